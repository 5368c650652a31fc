import * as os from "node:os"
import * as path from "node:path"
import type { ViteUserConfig } from "vitest/config"

/**
 * How much slower than a quiet 2-core machine this host runs: `STINT_TEST_SLOWDOWN` if set, else the
 * load average per core (at least 1). It only widens outer bounds (test and hook timeouts, idle
 * budgets); the waits inside the tests fail on a lack of progress, never on a slow host alone.
 */
export const slowdown: number = (() => {
  const given = Number(process.env.STINT_TEST_SLOWDOWN)
  if (Number.isFinite(given) && given > 0) return given
  return Math.max(1, Math.ceil(os.loadavg()[0]! / os.availableParallelism()))
})()

/** Settings every package's vitest project starts from. */
export const shared: ViteUserConfig = {
  test: {
    setupFiles: [path.join(import.meta.dirname, "vitest.setup.ts")],
    include: ["test/**/*.test.ts"],
    // Generous outer bounds: a hung test still ends, but a slow one that progresses does not fail.
    testTimeout: 120_000 * slowdown,
    hookTimeout: 180_000 * slowdown,
    // The test supports read it (`support/Patience.ts`) to scale their idle budgets the same way.
    env: { STINT_TEST_SLOWDOWN: String(slowdown) }
  }
}
