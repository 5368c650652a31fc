/**
 * Vitest global setup: one throwaway PostgreSQL server for the run (see `@stint/testing/PostgresServer`),
 * or the server `STINT_PG_URL` names. Without PostgreSQL binaries the PostgreSQL tests are skipped
 * with a loud message — except under `CI=true`, where that fails the run.
 */
import * as PostgresServer from "@stint/testing/PostgresServer"
import type {} from "vitest"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL server's URL, or "" when PostgreSQL tests must skip. */
    readonly pgUrl: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const existing = process.env.STINT_PG_URL
  if (existing !== undefined && existing !== "") {
    project.provide("pgUrl", existing)
    return undefined
  }
  if (PostgresServer.findBinaries() === undefined) {
    const missing = "No PostgreSQL server binaries found."
    const remedy = "Install Debian's `postgresql` package (or set STINT_PG_BIN or STINT_PG_URL)."
    if (process.env.CI === "true" || process.env.CI === "1") {
      throw new Error(`${missing} CI=true requires the PostgreSQL tests to run. ${remedy}`)
    }
    const message = `${missing} The PostgreSQL tests will be SKIPPED. ${remedy}`
    console.warn(`\n${"!".repeat(100)}\n!! ${message}\n${"!".repeat(100)}\n`)
    project.provide("pgUrl", "")
    return undefined
  }
  // fsync off: these are tests; the semantics under test do not depend on flushing to disk.
  const server = await PostgresServer.start({ settings: { fsync: "off" } })
  project.provide("pgUrl", server.url)
  return () => server.stop()
}
