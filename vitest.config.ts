import { defineConfig } from 'vitest/config';

// Tests run against the compiled dist/ for anything that crosses a process or thread boundary
// (the binary, piscina workers); unit tests import src/ directly.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
