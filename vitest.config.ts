import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/influxd.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration files each start a platform; two cores run two of them at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
