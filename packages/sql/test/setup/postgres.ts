/**
 * Vitest global setup: one throwaway PostgreSQL server for the run (see `@stint/testing/PostgresServer`),
 * or the server `STINT_PG_URL` names. Without PostgreSQL binaries the PostgreSQL tests are skipped
 * with a loud message — except under `CI=true`, where that fails the run.
 *
 * Every project that needs PostgreSQL names this file, so `cd packages/X && vitest run` works alone;
 * in a root run the projects share ONE server: global setups all run in the main Vitest process, so
 * the first one starts the server and the others reuse it (each project's tests get their own
 * databases on it). The last teardown stops it.
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

interface Shared {
  readonly url: Promise<string>
  readonly stop: () => Promise<void>
  users: number
}

// Each project loads this module on its own, so the one server lives on the process, not the module.
const key = Symbol.for("@stint/sql/test/setup/postgres")
const registry = globalThis as { [key]?: Shared }

const startShared = (): Shared => {
  const existing = process.env.STINT_PG_URL
  if (existing !== undefined && existing !== "") {
    return { url: Promise.resolve(existing), stop: async () => undefined, users: 0 }
  }
  if (PostgresServer.findBinaries() === undefined) {
    const missing = "No PostgreSQL server binaries found."
    const remedy = "Install Debian's `postgresql` package (or set STINT_PG_BIN or STINT_PG_URL)."
    if (process.env.CI === "true" || process.env.CI === "1") {
      return {
        url: Promise.reject(new Error(`${missing} CI=true requires the PostgreSQL tests to run. ${remedy}`)),
        stop: async () => undefined,
        users: 0
      }
    }
    const message = `${missing} The PostgreSQL tests will be SKIPPED. ${remedy}`
    console.warn(`\n${"!".repeat(100)}\n!! ${message}\n${"!".repeat(100)}\n`)
    return { url: Promise.resolve(""), stop: async () => undefined, users: 0 }
  }
  // fsync off: these are tests; the semantics under test do not depend on flushing to disk.
  const server = PostgresServer.start({ settings: { fsync: "off" } })
  return {
    url: server.then((s) => s.url),
    stop: () => server.then((s) => s.stop()).catch(() => undefined),
    users: 0
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  registry[key] ??= startShared()
  const shared = registry[key]
  shared.users++
  const teardown = async () => {
    shared.users--
    if (shared.users > 0) return
    delete registry[key]
    await shared.stop()
  }
  try {
    project.provide("pgUrl", await shared.url)
  } catch (error) {
    await teardown()
    throw error
  }
  return teardown
}
