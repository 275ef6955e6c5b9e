import { defineConfig } from 'vitest/config';

// The Mininet lab suite (`npm run test:lab`): real Open vSwitch networks, one file at a time.
export default defineConfig({
  test: {
    include: ['test/lab/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
