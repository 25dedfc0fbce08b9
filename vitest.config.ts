import { defineConfig } from 'vitest/config';

// One graphql-js in tests, as in production: Node resolves `graphql` (no
// `exports` map) to its CommonJS entry for the packages vitest leaves to
// Node (Pothos, Yoga), while vite would give test code the ESM entry; the
// two copies' types then fail graphql's instanceof checks.
const resolve = { alias: { graphql: 'graphql/index.js' } };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.integration.test.ts'],
          // The real services are shared: one file at a time keeps 2 cores and the JVMs unhurried.
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          // The dashboard in Debian's Chromium against the real gateway and services (needs `npm run build:web`).
          include: ['test/e2e/**/*.e2e.test.ts'],
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
