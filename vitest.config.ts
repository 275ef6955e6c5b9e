import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The package's own names (what examples and users import) point at the sources in tests, as
    // tsc resolves them, so tests never need a build; the package test checks the built exports.
    alias: [
      { find: /^signalbox$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^signalbox\/codec$/, replacement: fileURLToPath(new URL('./src/openflow/codec/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Mininet labs are their own suite (`npm run test:lab`, vitest.lab.config.ts).
    exclude: ['test/lab/**', '**/node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
