/**
 * The schema, as numbered migrations that run when a store starts. Running them is idempotent and
 * safe when several processes start at once: they run inside one transaction that first takes a
 * lock (`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL), and each
 * migration is recorded, so the second process finds them applied and does nothing.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { StoreError } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"
import * as Execution from "./internal/Execution.js"
import * as PgAppend from "./internal/PgAppend.js"
import type { Tables } from "./Tables.js"

/** One step of the schema, as statements per dialect (run in order, one at a time). */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sqlite: (tables: Tables) => ReadonlyArray<string>
  readonly pg: (tables: Tables) => ReadonlyArray<string>
}

/** Every migration, oldest first. Never edit one that has shipped: add the next. */
export const all: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "event log, streams, commands, checkpoints",
    sqlite: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.events} (
        position INTEGER PRIMARY KEY,
        commit_id INTEGER NOT NULL,
        stream_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        metadata TEXT NOT NULL,
        command_id TEXT NOT NULL,
        -- On the first event of each append: every stream's version after it (idempotent replies).
        append_versions TEXT,
        UNIQUE (stream_id, version)
      )`,
      // Idempotency: one writer at a time, so the command id's events are the command's record.
      `CREATE INDEX IF NOT EXISTS ${t.events}_command ON ${t.events} (command_id)`,
      `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
        name TEXT PRIMARY KEY,
        commit_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID`
    ],
    pg: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.events} (
        position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        commit_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        data JSONB NOT NULL,
        metadata JSONB NOT NULL,
        command_id TEXT NOT NULL,
        -- On the first event of each append: every stream's version after it (idempotent replies).
        append_versions JSONB,
        UNIQUE (stream_id, version)
      )`,
      // The global order: readers go by (commit, position) below the visibility fence.
      `CREATE INDEX IF NOT EXISTS ${t.events}_commit_position ON ${t.events} (commit_id, position)`,
      // Idempotency: one first event per command id.
      `CREATE UNIQUE INDEX IF NOT EXISTS ${t.events}_command ON ${t.events} (command_id)
        WHERE append_versions IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
        name TEXT PRIMARY KEY,
        commit_id xid8 NOT NULL,
        position BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      // The append function (`internal/PgAppend.ts`).
      PgAppend.definition1(t)
    ]
  },
  {
    version: 2,
    name: "projections: generations, documents, index keys",
    sqlite: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.projections} (
        name TEXT NOT NULL,
        generation INTEGER NOT NULL,
        version INTEGER NOT NULL,
        inline INTEGER NOT NULL,
        state TEXT NOT NULL,
        commit_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        events_done INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (name, generation)
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS ${t.documents} (
        projection TEXT NOT NULL,
        generation INTEGER NOT NULL,
        id TEXT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (projection, generation, id)
      ) WITHOUT ROWID`,
      // Keys compare as bytes (BINARY), the order IndexKey encodes for.
      `CREATE TABLE IF NOT EXISTS ${t.documentKeys} (
        projection TEXT NOT NULL,
        generation INTEGER NOT NULL,
        idx TEXT NOT NULL,
        key TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (projection, generation, idx, key, id)
      ) WITHOUT ROWID`,
      `CREATE INDEX IF NOT EXISTS ${t.documentKeys}_id ON ${t.documentKeys} (projection, generation, id)`
    ],
    pg: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.projections} (
        name TEXT NOT NULL,
        generation INTEGER NOT NULL,
        version INTEGER NOT NULL,
        inline BOOLEAN NOT NULL,
        state TEXT NOT NULL,
        commit_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        events_done BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (name, generation)
      )`,
      // COLLATE "C": ids and keys compare as bytes, the order IndexKey encodes for, whatever the
      // database's collation.
      `CREATE TABLE IF NOT EXISTS ${t.documents} (
        projection TEXT NOT NULL,
        generation INTEGER NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        document JSONB NOT NULL,
        PRIMARY KEY (projection, generation, id)
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.documentKeys} (
        projection TEXT NOT NULL,
        generation INTEGER NOT NULL,
        idx TEXT NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (projection, generation, idx, key, id)
      )`,
      `CREATE INDEX IF NOT EXISTS ${t.documentKeys}_id ON ${t.documentKeys} (projection, generation, id)`
    ]
  },
  {
    version: 3,
    name: "commands: request fingerprints beside command ids",
    // Commands appended before keep their record in their first event (`append_versions`): they
    // answer as plain duplicates, as they did.
    sqlite: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.commands} (
        command_id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        -- Every stream's version after the append, as on an append's first event.
        versions TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      ) WITHOUT ROWID`
    ],
    pg: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.commands} (
        command_id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        -- Every stream's version after the append, as on an append's first event.
        versions JSONB NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL
      )`,
      // The append function, now recording fingerprinted commands (`internal/PgAppend.ts`).
      PgAppend.definition3(t)
    ]
  }
]

/**
 * The versions recorded as applied, changing nothing: empty for a database Stint never migrated.
 * What tools check before they touch a database they must not migrate (`stint status`).
 */
export const applied = (
  tables: Tables
): Effect.Effect<ReadonlyArray<number>, SqlError | StoreError, SqlClient.SqlClient> =>
  Effect.flatMap(Execution.fromContext, ({ dialect, onConnection }) =>
    onConnection((c) =>
      Effect.gen(function* () {
        const [exists] = yield* Execution.query<{ readonly found: string | null }>(
          c,
          dialect.name === "pg"
            ? "SELECT to_regclass($1)::text AS found"
            : "SELECT name AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
          [tables.migrations]
        )
        if (exists?.found == null) return []
        const rows = yield* Execution.query<{ readonly version: number | string }>(
          c,
          `SELECT version FROM ${tables.migrations} ORDER BY version`
        )
        return rows.map((row) => Number(row.version))
      })
    )
  )

/** Options of `run`. */
export interface RunOptions {
  /** Apply the migrations up to this version only (default: all); a test builds an older schema with it. */
  readonly through?: number
}

/**
 * Applies the migrations not yet recorded, in one transaction (the caller's, when there is one);
 * returns the versions it applied.
 */
export const run = (
  tables: Tables,
  options: RunOptions = {}
): Effect.Effect<ReadonlyArray<number>, SqlError | StoreError, SqlClient.SqlClient> =>
  Effect.flatMap(Execution.fromContext, ({ dialect, transaction }) =>
    transaction((c) =>
      Effect.gen(function* () {
        const exec = (statement: string, params?: ReadonlyArray<unknown>) => Execution.unprepared(c, statement, params)
        // PostgreSQL: a second process waits here, then finds the migrations applied (SQLite's
        // transaction holds the write lock already).
        if (dialect.name === "pg") yield* exec(`SELECT pg_advisory_xact_lock(hashtext('${tables.migrations}'))`)
        yield* exec(
          `CREATE TABLE IF NOT EXISTS ${tables.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
        )
        const rows = yield* Execution.unprepared<{ readonly version: number | string }>(
          c,
          `SELECT version FROM ${tables.migrations}`
        )
        const applied = new Set(rows.map((row) => Number(row.version)))
        const through = options.through ?? Number.POSITIVE_INFINITY
        const pending = all.filter((migration) => !applied.has(migration.version) && migration.version <= through)
        for (const migration of pending) {
          for (const statement of migration[dialect.name](tables)) yield* exec(statement)
          yield* exec(dialect.text(`INSERT INTO ${tables.migrations} (version, name, applied_at) VALUES (?, ?, ?)`), [
            migration.version,
            migration.name,
            new Date().toISOString()
          ])
        }
        return pending.map((migration) => migration.version)
      })
    )
  )
