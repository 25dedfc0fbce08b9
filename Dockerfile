# The application image used by docker-compose.yml (migrate, detector, sink, gateway).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build:web

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm install --no-save --no-audit --no-fund tsx
COPY . .
COPY --from=build /app/web/dist web/dist
CMD ["node", "bin/guardian.mjs", "--help"]
