import { defineConfig } from "vitest/config";

/**
 * Tests whose assertions depend on timing that other tests would disturb on
 * a two-core runner: seven TCG guests forwarding test traffic, and every
 * test that sends measured traffic and checks what the captures hold. Two
 * of those at once put two real-time senders, each spinning on a core,
 * beside the capture threads, which then cannot empty their rings (seen as
 * kernel drops). `npm test` runs everything else in parallel first, then
 * these one file at a time (HYNET_TESTS=serial).
 */
const SERIAL = ["test/vm/**/*.test.ts", "test/sriov/lab.test.ts", "test/traffic/loadgen.test.ts", "test/capture/capture.test.ts", "test/experiment/series.test.ts", "test/experiment/series-pipe.test.ts", "test/testbed/series.test.ts", "test/gate/degraded.test.ts", "test/net/impair.test.ts", "test/experiment/impair-series.test.ts"];
const serial = process.env.HYNET_TESTS === "serial";

export default defineConfig({
  test: {
    include: serial ? SERIAL : ["test/**/*.test.ts"],
    exclude: serial ? [] : SERIAL,
    fileParallelism: !serial,
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Root tests create namespaces and send traffic; two cores do not take many at once.
    maxWorkers: serial ? 1 : 2,
    minWorkers: 1,
  },
});
