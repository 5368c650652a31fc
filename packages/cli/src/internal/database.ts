/**
 * Which database a command runs against, and opening it for an operator: the string comes from
 * `--database`, else `DATABASE_URL`, else `data/stint.db` when that file exists. Every failure to
 * open becomes one readable line that never shows a password.
 */
import { existsSync } from "node:fs"
import type * as SqlClient from "@effect/sql/SqlClient"
import type * as Projections from "@stint/core/Projections"
import * as ReadModels from "@stint/core/ReadModels"
import * as Database from "@stint/sql/Database"
import * as Migrations from "@stint/sql/Migrations"
import * as SqlStint from "@stint/sql/SqlStint"
import * as Tables from "@stint/sql/Tables"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as CliError from "../CliError.js"

/** The file used when neither `--database` nor `DATABASE_URL` names one (if it exists). */
export const defaultFile = "data/stint.db"

/** A database to open, with how to name it in messages (PostgreSQL passwords as `***`). */
export interface Resolved {
  readonly target: Database.Target
  readonly display: string
}

/** How a target is shown to the operator. */
export const display = (target: Database.Target): string =>
  target.kind === "sqlite" ? target.filename : Database.redact(Redacted.value(target.url))

/** The database named by the flag, `DATABASE_URL` or the default file; bad strings are usage errors. */
export const resolve = (flag: Option.Option<string>): Effect.Effect<Resolved, CliError.CliError> =>
  Effect.gen(function* () {
    const fromEnv = yield* Config.option(Config.string("DATABASE_URL")).pipe(
      Effect.orElseSucceed(() => Option.none<string>())
    )
    const given = Option.orElse(flag, () => Option.filter(fromEnv, (url) => url.trim() !== ""))
    if (Option.isNone(given) && !existsSync(defaultFile)) {
      return yield* CliError.usage(
        `no database given: pass --database <postgres://… or SQLite file> or set DATABASE_URL (${defaultFile} does not exist here)`
      )
    }
    const url = Option.getOrElse(given, () => defaultFile)
    const parsed = Database.parse(url)
    if (Either.isLeft(parsed)) {
      return yield* CliError.usage(`invalid database ${JSON.stringify(parsed.left.url)}: ${parsed.left.reason}`)
    }
    return { target: parsed.right, display: display(parsed.right) }
  })

interface CauseLike {
  readonly message?: unknown
  readonly code?: unknown
  readonly cause?: unknown
  readonly errors?: unknown
}

/** The innermost error of a chain of `cause`s (store error → SQL error → driver error). */
const innermost = (error: unknown): CauseLike => {
  let current = error as CauseLike
  for (let i = 0; i < 10 && typeof current?.cause === "object" && current.cause !== null; i++) {
    current = current.cause as CauseLike
  }
  return current ?? {}
}

/** Why a connection or statement failed, in a few words; never includes the URL (or its password). */
export const reason = (error: unknown): string => {
  const cause = innermost(error)
  const nested = Array.isArray(cause.errors) ? (cause.errors[0] as CauseLike | undefined) : undefined
  const code = String(cause.code ?? nested?.code ?? "")
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused"
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found"
    case "ETIMEDOUT":
      return "connection timed out"
    case "ECONNRESET":
      return "connection reset"
    case "SQLITE_NOTADB":
      return "the file is not an SQLite database"
    case "SQLITE_CANTOPEN":
      return "the file cannot be opened"
    case "SQLITE_BUSY":
      return "the database is locked by another process"
  }
  const message = typeof cause.message === "string" && cause.message !== "" ? cause.message : String(cause)
  return message.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s]*/gi, (url) => Database.redact(url)).split("\n")[0]!
}

/** `cannot connect to PostgreSQL at postgres://u:***@host/db: connection refused`, and the like. */
export const cannotOpen = (resolved: Resolved, error: unknown): CliError.CliError =>
  CliError.failure(
    resolved.target.kind === "postgresql"
      ? `cannot connect to PostgreSQL at ${resolved.display}: ${reason(error)}`
      : `cannot open the SQLite database ${resolved.display}: ${reason(error)}`
  )

/** Refuses an SQLite file that does not exist (only `migrate` creates one). */
export const requireFile = (resolved: Resolved): Effect.Effect<void, CliError.CliError> =>
  resolved.target.kind === "sqlite" && resolved.target.filename !== ":memory:" && !existsSync(resolved.target.filename)
    ? CliError.failure(
        `no SQLite database at ${resolved.display} (create one with: stint migrate --database ${resolved.display})`
      )
    : Effect.void

/** A connection only (no stores, nothing migrated), with failures to connect made readable. */
export const client = (resolved: Resolved): Layer.Layer<SqlClient.SqlClient, CliError.CliError> =>
  Database.layer(resolved.target, { maxConnections: 1 }).pipe(
    Layer.catchAll((error) => Layer.fail(cannotOpen(resolved, error)))
  )

const tables = Tables.make()

/** The schema versions recorded as applied (empty for a database Stint never migrated). */
export const appliedMigrations = Migrations.applied(tables)

/** Applies the pending migrations; the versions applied before and those applied now. */
export const migrate = (
  resolved: Resolved
): Effect.Effect<
  { readonly before: ReadonlyArray<number>; readonly applied: ReadonlyArray<number> },
  CliError.CliError
> =>
  Effect.gen(function* () {
    const before = yield* appliedMigrations
    const applied = yield* Migrations.run(tables)
    return { before, applied }
  }).pipe(
    Effect.mapError((error) => CliError.failure(`migration failed on ${resolved.display}: ${reason(error)}`)),
    Effect.provide(client(resolved))
  )

/** Refuses a database whose schema is missing or behind: only `migrate` changes the schema. */
export const requireSchema = (resolved: Resolved): Effect.Effect<void, CliError.CliError> =>
  Effect.gen(function* () {
    const applied = yield* appliedMigrations.pipe(Effect.mapError((error) => cannotOpen(resolved, error)))
    const pending = Migrations.all.filter((m) => !applied.includes(m.version))
    if (applied.length === 0) {
      return yield* CliError.failure(
        `${resolved.display} has no Stint schema (create it with: stint migrate --database ${resolved.display})`
      )
    }
    if (pending.length > 0) {
      return yield* CliError.failure(
        `${resolved.display} needs migrations ${pending.map((m) => m.version).join(", ")} (run: stint migrate --database ${resolved.display})`
      )
    }
  }).pipe(Effect.provide(client(resolved)))

/** Options for opening Stint from the CLI: the projections to know about (never run in the background). */
export interface StintOptions {
  readonly projections?: Projections.Options
}

/**
 * Stint on the database, with the projections registered but their background runners off: the CLI
 * may run beside a live server, and reads, status and rebuilds only need the registrations.
 */
export const stint = (
  resolved: Resolved,
  options: StintOptions = {}
): Layer.Layer<SqlStint.Services, CliError.CliError> =>
  SqlStint.layer(resolved.target, {
    projections: { ...(options.projections ?? ReadModels.options()), run: false },
    maxConnections: 2,
    // `open` checked the schema first: the CLI changes it only in `migrate`.
    migrate: false
  }).pipe(Layer.catchAll((error) => Layer.fail(cannotOpen(resolved, error))))

/** Everything a command other than `migrate` needs before it opens Stint: the file, the schema. */
export const open = (resolved: Resolved, options: StintOptions = {}) =>
  Layer.unwrapEffect(
    Effect.as(Effect.zipRight(requireFile(resolved), requireSchema(resolved)), stint(resolved, options))
  )
