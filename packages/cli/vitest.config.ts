import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// The PostgreSQL server of the tests comes from the same global setup as the sql package's.
export default mergeConfig(
  shared,
  defineProject({ test: { name: "cli", globalSetup: ["../../packages/sql/test/setup/postgres.ts"] } })
)
