/**
 * A database named by one string, as operators and hosts write it: `postgres://…` (or
 * `postgresql://…`) for PostgreSQL, anything else for an SQLite file (`sqlite:path`, a plain path, or
 * `:memory:`). The server, the CLI and the Promise API all open their database here, so they accept
 * the same strings and refuse bad ones with the same error.
 *
 * The drivers are imported when a layer is built, so a host that only uses SQLite never loads `pg`
 * (both are optional peer dependencies of `@stint/sql`).
 */
import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { ConfigError } from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** Which engine a database runs on. */
export type Kind = "sqlite" | "postgresql"

/** Where a database is: an SQLite file (or `:memory:`), or a PostgreSQL URL (kept redacted). */
export type Target =
  | { readonly kind: "sqlite"; readonly filename: string }
  | { readonly kind: "postgresql"; readonly url: Redacted.Redacted<string> }

/** The engine the provided `SqlClient` runs on, for code that reports or branches on it. */
export class DatabaseKind extends Context.Tag("@stint/sql/DatabaseKind")<DatabaseKind, Kind>() {}

/** A database string that names no database Stint can open. */
export class InvalidDatabaseUrl extends Schema.TaggedError<InvalidDatabaseUrl>()("InvalidDatabaseUrl", {
  /** The string as given, with any password replaced by `***`. */
  url: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Invalid database URL ${JSON.stringify(this.url)}: ${this.reason}`
  }
}

/**
 * The string with every password in it replaced by `***`, safe to log: the URL's own, and query
 * parameters such as `password` or `sslpassword` (the `pg` driver reads those too).
 */
export const redact = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, "***")
    }
    return parsed.toString()
  } catch {
    // Not a URL: a file path, or something unreadable; hide anything between "://user:" and the last "@".
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:).*@/i, "$1***@")
  }
}

/** Reads a database string; relative SQLite paths resolve against the working directory. */
export const parse = (url: string): Either.Either<Target, InvalidDatabaseUrl> => {
  const fail = (reason: string) => Either.left(new InvalidDatabaseUrl({ url: redact(url), reason }))
  const text = url.trim()
  if (text === "") return fail("it is empty")
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let parsed: URL
    try {
      parsed = new URL(text)
    } catch {
      return fail("it is not a valid URL")
    }
    if (parsed.hostname === "") return fail("it names no host")
    return Either.right({ kind: "postgresql", url: Redacted.make(text) })
  }
  if (text === ":memory:" || text === "sqlite::memory:") return Either.right({ kind: "sqlite", filename: ":memory:" })
  const path = text.startsWith("sqlite://") ? text.slice("sqlite://".length) : text.replace(/^sqlite:/i, "")
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return fail("use postgres://… for PostgreSQL, or a file path for SQLite")
  if (path === "") return fail("it names no SQLite file")
  return Either.right({ kind: "sqlite", filename: resolve(path) })
}

/** Options of the connection. */
export interface Options {
  /** PostgreSQL pool size (default 10). SQLite always has one writer connection. */
  readonly maxConnections?: number
}

/**
 * An `SqlClient` (and its `DatabaseKind`) for a database string or target. An SQLite file's
 * directory is created when missing; nothing is migrated here (the stores migrate as they start).
 */
export const layer = (
  database: string | Target,
  options: Options = {}
): Layer.Layer<SqlClient.SqlClient | DatabaseKind, InvalidDatabaseUrl | SqlError | ConfigError> =>
  Layer.unwrapEffect(
    Effect.gen(function* (): Effect.fn.Return<
      Layer.Layer<SqlClient.SqlClient | DatabaseKind, SqlError | ConfigError>,
      InvalidDatabaseUrl
    > {
      const target = typeof database === "string" ? yield* parse(database) : database
      if (target.kind === "postgresql") {
        const { PgClient } = yield* Effect.promise(() => import("@effect/sql-pg"))
        return Layer.merge(
          PgClient.layer({ url: target.url, maxConnections: options.maxConnections ?? 10 }),
          Layer.succeed(DatabaseKind, "postgresql")
        )
      }
      if (target.filename !== ":memory:") {
        yield* Effect.try({
          try: () => mkdirSync(dirname(target.filename), { recursive: true }),
          catch: (cause) =>
            new InvalidDatabaseUrl({ url: target.filename, reason: `cannot create its directory (${String(cause)})` })
        })
      }
      const { SqliteClient } = yield* Effect.promise(() => import("@effect/sql-sqlite-node"))
      return Layer.merge(SqliteClient.layer({ filename: target.filename }), Layer.succeed(DatabaseKind, "sqlite"))
    })
  )
