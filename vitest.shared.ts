import * as path from "node:path"
import type { ViteUserConfig } from "vitest/config"

/** Settings every package's vitest project starts from. */
export const shared: ViteUserConfig = {
  test: {
    setupFiles: [path.join(import.meta.dirname, "vitest.setup.ts")],
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
}
