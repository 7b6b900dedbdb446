import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node, yoga and graphql-ws load the CJS
    // one; without this alias vite would hand our code the ESM one and `instanceof GraphQLError`
    // would fail across the two (errors masked as INTERNAL_SERVER_ERROR).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    // Builds the dashboard once for the browser tests (see the file).
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll gives up after 1 s by default: too little for a loaded 2-core CI machine. A longer
    // deadline changes no result, only how long a real failure takes to be reported.
    expect: { poll: { timeout: 10_000 } },
    // Integration tests start real servers on free ports; two workers fit this 2-core machine.
    maxWorkers: 2,
  },
});
