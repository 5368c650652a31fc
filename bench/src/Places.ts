/**
 * Fresh, empty storage for every configuration, so no run sees another's data: a new SQLite file in
 * a temporary directory, or a new PostgreSQL database (CREATE DATABASE) on a throwaway server started
 * with `@stint/testing/PostgresServer` at its defaults — or on the server `STINT_PG_URL` names.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as PostgresServer from "@stint/testing/PostgresServer"
import pg from "pg"
import type { Backend, Place } from "./Subject.js"

/** A place and how to throw it away. */
export interface Fresh {
  readonly place: Place
  readonly drop: () => Promise<void>
}

export interface Places {
  readonly fresh: (backend: Backend) => Promise<Fresh>
  /** Where SQLite files go. */
  readonly directory: string
  /** The PostgreSQL server, or why there is none. */
  readonly pg: { readonly url: string; readonly version: string } | { readonly unavailable: string }
  readonly close: () => Promise<void>
}

/** How a report names a backend: "SQLite file", or PostgreSQL with its version when known. */
export const label = (pg: Places["pg"], backend: "sqlite" | "pg"): string =>
  backend === "sqlite" ? "SQLite file" : "version" in pg ? `PostgreSQL ${pg.version.split(" ")[0]}` : "PostgreSQL"

/**
 * Disposes a run's runtime and drops its place, ignoring failures: a failed store may not close
 * cleanly, and a place goes with its temporary directory or server anyway.
 */
export const release = async (runtime: { readonly dispose: () => Promise<void> }, fresh: Fresh): Promise<void> => {
  try {
    await runtime.dispose()
  } catch {
    // a failed store may not close cleanly; the place is dropped anyway
  }
  try {
    await fresh.drop()
  } catch {
    // removed with the temporary directory or the server
  }
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const adminQuery = async <A extends pg.QueryResultRow>(url: string, text: string): Promise<Array<A>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<A>(text)).rows
  } finally {
    await client.end()
  }
}

/** Opens the places: a temporary directory, and a PostgreSQL server when one can be had. */
export const open = async (): Promise<Places> => {
  const directory = mkdtempSync(join(tmpdir(), "stint-bench-"))
  let server: PostgresServer.Server | undefined
  let pgInfo: Places["pg"]
  const given = process.env.STINT_PG_URL
  try {
    if (given !== undefined && given !== "") {
      pgInfo = { url: given, version: "" }
    } else if (PostgresServer.findBinaries() === undefined) {
      pgInfo = { unavailable: "no PostgreSQL server binaries found (install `postgresql` or set STINT_PG_URL)" }
    } else {
      server = await PostgresServer.start()
      pgInfo = { url: server.url, version: "" }
    }
    if ("url" in pgInfo) {
      const [row] = await adminQuery<{ server_version: string }>(pgInfo.url, "SHOW server_version")
      pgInfo = { url: pgInfo.url, version: row?.server_version ?? "unknown" }
    }
  } catch (error) {
    pgInfo = {
      unavailable: `PostgreSQL could not be started: ${error instanceof Error ? error.message : String(error)}`
    }
  }

  let counter = 0
  const fresh = async (backend: Backend): Promise<Fresh> => {
    counter++
    switch (backend) {
      case "memory":
        return { place: { _tag: "memory" }, drop: async () => {} }
      case "sqlite": {
        const filename = join(directory, `bench-${counter}.db`)
        const drop = async () => {
          for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${filename}${suffix}`, { force: true })
        }
        return { place: { _tag: "sqlite", filename }, drop }
      }
      case "pg": {
        if (!("url" in pgInfo)) throw new Error(pgInfo.unavailable)
        const admin = pgInfo.url
        const database = `stint_bench_${process.pid}_${counter}`
        await adminQuery(admin, `CREATE DATABASE ${database}`)
        const drop = async () => {
          await adminQuery(admin, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
        }
        return { place: { _tag: "pg", url: withDatabase(admin, database) }, drop }
      }
    }
  }

  return {
    fresh,
    directory,
    pg: pgInfo,
    close: async () => {
      await server?.stop()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}
