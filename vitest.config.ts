import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (index.js) and ESM (index.mjs). Node, and so Pothos and yoga from
    // node_modules, load the CJS one; Vite would pick the ESM one for our sources. Two copies
    // of graphql cannot share a schema, so our sources get the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own server and database; two cores, so two at a time.
    maxWorkers: 2,
  },
});
