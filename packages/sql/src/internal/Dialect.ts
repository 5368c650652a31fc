/**
 * What differs between SQLite and PostgreSQL in the SQL Stint writes: which one the `SqlClient` is
 * (detected once, with one failure for anything else), placeholders, and the few casts and clauses
 * the shared statements need. Statements that exist for one database only are written out in full
 * where they are used.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { StoreError } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"

/** The databases Stint runs on. */
export type Name = "sqlite" | "pg"

/** One database's SQL. */
export interface Dialect {
  readonly name: Name
  /**
   * `?` placeholders as the driver takes them: as written on SQLite, numbered `$1…$n` on PostgreSQL
   * (so a statement passed through it holds no other `?`).
   */
  readonly text: (statement: string) => string
  /**
   * A column selected as text on PostgreSQL (named `as`, by default its own name), as is on SQLite:
   * `xid8` has no JavaScript type, and `jsonb` read as text is parsed by the caller like SQLite's.
   */
  readonly asText: (column: string, as?: string) => string
  /** A 64-bit integer parameter, without loss: a bigint on SQLite, decimal text on PostgreSQL. */
  readonly int64: (value: bigint) => bigint | string
  /** A boolean parameter: SQLite has no boolean type and stores 1 or 0. */
  readonly boolean: (value: boolean) => boolean | number
  /** A condition true when the boolean column is. */
  readonly isTrue: (column: string) => string
  /** A placeholder cast to a PostgreSQL type (`?::xid8`); SQLite's columns take the value as it is. */
  readonly cast: (placeholder: string, type: "xid8" | "jsonb") => string
  /**
   * Appended to a SELECT that reads rows the transaction then decides on: PostgreSQL locks them
   * (`FOR UPDATE`); SQLite's writing transaction holds the database's lock already.
   */
  readonly lockRows: string
  /**
   * Begins a writing transaction. SQLite's `BEGIN IMMEDIATE` takes the write lock first, so a
   * transaction that reads and then writes never has to upgrade its lock (where SQLite fails at once
   * instead of waiting).
   */
  readonly begin: string
}

/** SQLite's SQL. */
export const sqlite: Dialect = {
  name: "sqlite",
  text: (statement) => statement,
  asText: (column) => column,
  int64: (value) => value,
  boolean: (value) => (value ? 1 : 0),
  isTrue: (column) => `${column} = 1`,
  cast: (placeholder) => placeholder,
  lockRows: "",
  begin: "BEGIN IMMEDIATE"
}

/** PostgreSQL's SQL. */
export const pg: Dialect = {
  name: "pg",
  text: (statement) => {
    let n = 0
    return statement.replace(/\?/g, () => `$${++n}`)
  },
  asText: (column, as = column) => `${column}::text AS ${as}`,
  int64: (value) => String(value),
  boolean: (value) => value,
  isTrue: (column) => column,
  cast: (placeholder, type) => `${placeholder}::${type}`,
  lockRows: " FOR UPDATE",
  begin: "BEGIN"
}

/** The one failure for a database Stint does not run on: names what it supports. */
export const unsupported = (): StoreError =>
  new StoreError({ method: "configure", cause: new Error("@stint/sql supports SQLite and PostgreSQL only") })

/** The dialect of the `SqlClient`; anything but SQLite or PostgreSQL fails with `unsupported()`. */
export const detect = (sql: SqlClient.SqlClient): Effect.Effect<Dialect, StoreError> =>
  sql.onDialectOrElse({
    sqlite: () => Effect.succeed(sqlite),
    pg: () => Effect.succeed(pg),
    orElse: () => Effect.fail(unsupported())
  })
