import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// The PostgreSQL server for the end-to-end tests comes from the same global setup as the sql package's.
export default mergeConfig(
  shared,
  defineProject({ test: { name: "server", globalSetup: ["../../packages/sql/test/setup/postgres.ts"] } })
)
