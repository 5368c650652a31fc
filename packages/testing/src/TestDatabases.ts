/**
 * Databases for tests that open Stint as a host or an operator does, by database string: a path for
 * a new SQLite file, or a new database on the PostgreSQL server of the run's global setup
 * (`packages/sql/test/setup/postgres.ts`, which provides its URL as `pgUrl`).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { inject } from "vitest"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL server's URL, or "" when PostgreSQL tests must skip (set by the global setup). */
    readonly pgUrl: string
  }
}

/** The PostgreSQL server of this run, or "" when its tests skip (the global setup says so loudly). */
export const pgUrl = (): string => inject("pgUrl")

/** A database string to open, and how to remove the database afterwards. */
export interface TestDatabase {
  readonly url: string
  readonly dispose: () => Promise<void>
}

/** A path for a new SQLite file (neither it nor its `data/` directory exists yet). */
export const sqliteDatabase = (): TestDatabase => {
  const directory = mkdtempSync(join(tmpdir(), "stint-test-"))
  return {
    url: join(directory, "data", "stint.db"),
    dispose: async () => rmSync(directory, { recursive: true, force: true })
  }
}

const admin = (serverUrl: string, statement: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 })),
      Effect.orDie
    )
  )

/** A new, empty database on the run's PostgreSQL server; `dispose` drops it. */
export const pgDatabase = async (): Promise<TestDatabase> => {
  const serverUrl = pgUrl()
  const name = `stint_test_${crypto.randomUUID().replaceAll("-", "")}`
  await admin(serverUrl, `CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    dispose: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined)
  }
}
