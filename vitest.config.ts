import { defineConfig } from 'vitest/config';

// Integration and e2e tests start real ffmpeg, RTSP servers and Chromium: give them room, run files one at a time
// on CI's 2 cores so timings stay honest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
