# The application image used by docker-compose.yml (migrate, detector, sink, gateway).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save tsx
COPY . .
ENTRYPOINT []
CMD ["node", "bin/guardian.mjs", "--help"]
