// The Mininet lab suite (`npm run test:lab`): real networks on userspace Open vSwitch, one file at a time, long limits.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/lab/**/*.test.ts'],
    // Labs share OVS and the machine's two cores: one file at a time, tests in order.
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
