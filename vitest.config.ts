import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start emulators and child processes; two cores is all CI has.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
