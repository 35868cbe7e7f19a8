import { defineConfig } from 'vitest/config';

// Tests run against the compiled dist/ for anything that crosses a process or thread boundary
// (the binary, piscina workers); unit tests import src/ directly.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most integration files wait on timers and other processes, not the CPU: two at a time took the whole
    // suite from ~8 to ~6 minutes on 2 cores with no new failures (vitest's default there is one).
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
