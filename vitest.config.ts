import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts", "docs/vitest.config.ts"],
    // Vitest's default is one worker fewer than the cores: ONE on a 2-core machine, so the whole run
    // was serial. Much of it waits on child processes (servers, the CLI, PostgreSQL), which a second
    // worker overlaps; the waits inside the tests go by progress, so the contention cannot fail them.
    maxWorkers: Math.max(2, availableParallelism()),
    minWorkers: 1
  }
})
