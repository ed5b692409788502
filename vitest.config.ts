import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Root tests create namespaces and send traffic; two cores do not take many at once.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
