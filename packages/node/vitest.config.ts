import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// The PostgreSQL server for the PostgreSQL tests comes from the same global setup as the sql package's.
export default mergeConfig(
  shared,
  defineProject({ test: { name: "node", globalSetup: ["../sql/test/setup/postgres.ts"] } })
)
