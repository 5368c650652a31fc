/**
 * Real databases for the tests: an SQLite file in a temporary directory, and a fresh database on the
 * PostgreSQL server of the global setup (one per layer build, dropped afterwards).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, inject } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

/** The PostgreSQL server of this run, or "" when PostgreSQL tests skip. */
export const pgUrl: string = inject("pgUrl")

/** `describe` for PostgreSQL tests: skipped (loudly, by the global setup) when there is no server. */
export const describePg = (name: string, body: () => void): void => {
  describe.skipIf(pgUrl === "")(name, body)
}

/** A temporary directory, removed when the layer is released. */
export const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "stint-sqlite-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

/** An SQLite client on a new file (WAL, as the driver sets it). */
export const sqliteClient = (name = "stint.db"): Layer.Layer<SqlClient.SqlClient, unknown> =>
  Layer.unwrapScoped(
    Effect.map(temporaryDirectory, (directory) => SqliteClient.layer({ filename: join(directory, name) }))
  )

/** An SQLite client on a given file. */
export const sqliteClientAt = (filename: string): Layer.Layer<SqlClient.SqlClient, unknown> =>
  SqliteClient.layer({ filename })

const databaseUrl = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** A new, empty PostgreSQL database; dropped when the scope closes. Returns its URL. */
export const freshPgDatabase = Effect.gen(function* () {
  const name = `stint_test_${crypto.randomUUID().replaceAll("-", "")}`
  const admin = PgClient.layer({ url: Redacted.make(pgUrl), maxConnections: 1 })
  const run = (statement: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(Effect.provide(admin), Effect.orDie)
  yield* Effect.acquireRelease(run(`CREATE DATABASE ${name}`), () =>
    run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  )
  return databaseUrl(pgUrl, name)
})

/** A PostgreSQL client (a pool) on a fresh database. */
export const pgClient = (maxConnections = 10): Layer.Layer<SqlClient.SqlClient, unknown> =>
  Layer.unwrapScoped(Effect.map(freshPgDatabase, (url) => PgClient.layer({ url: Redacted.make(url), maxConnections })))

/** A PostgreSQL client on a given database URL. */
export const pgClientAt = (url: string, maxConnections = 10): Layer.Layer<SqlClient.SqlClient, unknown> =>
  PgClient.layer({ url: Redacted.make(url), maxConnections })

/** A database both tests of a backend can open twice: a file path on SQLite, a URL on PostgreSQL. */
export interface Backend {
  readonly name: "SQLite" | "PostgreSQL"
  /** Skip this backend's tests (no PostgreSQL server in this run). */
  readonly skip: boolean
  /** A new, empty database, released with the scope. */
  readonly database: Effect.Effect<string, never, import("effect/Scope").Scope>
  /** A client (its own connection or pool) on that database. */
  readonly client: (database: string) => Layer.Layer<SqlClient.SqlClient, unknown>
}

/** The two SQL backends, for tests that run the same body on each. */
export const backends: ReadonlyArray<Backend> = [
  {
    name: "SQLite",
    skip: false,
    database: Effect.map(temporaryDirectory, (directory) => join(directory, "stint.db")),
    client: (file) => sqliteClientAt(file)
  },
  {
    name: "PostgreSQL",
    skip: pgUrl === "",
    database: freshPgDatabase,
    client: (url) => pgClientAt(url, 4)
  }
]
