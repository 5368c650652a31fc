/**
 * Real databases for the tests: a new SQLite file in a temporary directory, and a new database on the
 * PostgreSQL server of the global setup (see `packages/sql/test/setup/postgres.ts`).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { SqlClient } from "@effect/sql"
import { inject } from "@effect/vitest"
import { Effect, Redacted } from "effect"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL server's URL, or "" when PostgreSQL tests must skip (set by the global setup). */
    readonly pgUrl: string
  }
}

/** The PostgreSQL server of this run, or "" when the PostgreSQL tests skip (the setup says so loudly). */
export const pgUrl: string = inject("pgUrl")

/** A database to open, and how to drop it. */
export interface Database {
  readonly url: string
  readonly drop: () => Promise<void>
}

export const sqliteFile = (): Database => {
  const directory = mkdtempSync(join(tmpdir(), "stint-node-"))
  return {
    url: join(directory, "data", "stint.db"),
    drop: async () => rmSync(directory, { recursive: true, force: true })
  }
}

const admin = (statement: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(pgUrl), maxConnections: 1 })),
      Effect.orDie
    )
  )

export const pgDatabase = async (): Promise<Database> => {
  const name = `stint_node_${crypto.randomUUID().replaceAll("-", "")}`
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(pgUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined)
  }
}
