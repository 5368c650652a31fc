/**
 * The schema, as numbered migrations that run when a store starts. Running them is idempotent and
 * safe when several processes start at once: they run inside one transaction that first takes a
 * lock (`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL), and each
 * migration is recorded, so the second process finds them applied and does nothing.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Tables } from "./Tables.js"

/** One step of the schema, as statements per dialect (run in order, one at a time). */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sqlite: (tables: Tables) => ReadonlyArray<string>
  readonly pg: (tables: Tables) => ReadonlyArray<string>
}

/**
 * The PostgreSQL append: one round trip per append, whatever its streams. It first takes a
 * transaction-scoped advisory lock per stream, in stream-id order so two appends never deadlock:
 * exclusive for a stream it writes, shared for a stream it only checks. Under those locks each
 * stream's version is read fresh and checked against the expected-version mode, so no other writer
 * can change a stream between its check and the write; a failed check raises `SX001` with the stream
 * and its version, which rolls the whole append back. Advisory locks live in memory: an append
 * writes only its events (no per-stream or per-command rows to update).
 */
const appendFunction = (t: Tables): string => `
CREATE OR REPLACE FUNCTION ${t.appendFunction}(request jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  command text := request->>'commandId';
  meta jsonb := request->'metadata';
  item jsonb;
  sid text;
  mode text;
  n integer;
  total integer := 0;
  actual integer;
  after jsonb := '{}'::jsonb;
  stream_versions jsonb := '[]'::jsonb;
  positions jsonb := '[]'::jsonb;
  inserted jsonb;
  first_stream boolean := true;
BEGIN
  FOR item IN SELECT s FROM jsonb_array_elements(request->'streams') AS s ORDER BY s->>'streamId' LOOP
    IF jsonb_array_length(item->'events') > 0 THEN
      PERFORM pg_advisory_xact_lock(hashtextextended('${t.prefix}' || (item->>'streamId'), 0));
      total := total + jsonb_array_length(item->'events');
    ELSE
      PERFORM pg_advisory_xact_lock_shared(hashtextextended('${t.prefix}' || (item->>'streamId'), 0));
    END IF;
  END LOOP;
  -- Idempotency: the command's first event records it (a unique index backs this up).
  IF total > 0 AND EXISTS (
    SELECT 1 FROM ${t.events} WHERE command_id = command AND append_versions IS NOT NULL
  ) THEN
    RETURN jsonb_build_object('duplicate', true);
  END IF;
  FOR item IN SELECT s FROM jsonb_array_elements(request->'streams') AS s LOOP
    sid := item->>'streamId';
    mode := item->>'mode';
    n := jsonb_array_length(item->'events');
    SELECT coalesce(max(version), 0) INTO actual FROM ${t.events} WHERE stream_id = sid;
    IF (mode = 'no_stream' AND actual <> 0)
       OR (mode = 'stream_exists' AND actual = 0)
       OR (mode = 'exact' AND actual <> (item->>'version')::integer) THEN
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'SX001',
        DETAIL = jsonb_build_object('streamId', sid, 'actual', actual)::text;
    END IF;
    after := after || jsonb_build_object(sid, actual + n);
    stream_versions := stream_versions || jsonb_build_array(jsonb_build_array(sid, actual + n));
  END LOOP;
  -- Then the events, in request order, so positions follow the request.
  FOR item IN SELECT s FROM jsonb_array_elements(request->'streams') AS s LOOP
    n := jsonb_array_length(item->'events');
    CONTINUE WHEN n = 0;
    sid := item->>'streamId';
    WITH rows AS (
      INSERT INTO ${t.events} (stream_id, version, event_id, type, data, metadata, command_id, append_versions)
      SELECT sid, (after->>sid)::integer - n + e.ordinality::integer, e.value->>'eventId', e.value->>'type',
             e.value->'data', meta || jsonb_build_object('schemaVersion', e.value->'schemaVersion'), command,
             CASE WHEN first_stream AND e.ordinality = 1 THEN stream_versions END
        FROM jsonb_array_elements(item->'events') WITH ORDINALITY AS e
        ORDER BY e.ordinality
      RETURNING position
    )
    SELECT jsonb_agg(position ORDER BY position) INTO inserted FROM rows;
    positions := positions || inserted;
    first_stream := false;
  END LOOP;
  RETURN jsonb_build_object(
    'duplicate', false,
    'commit', CASE WHEN total > 0 THEN pg_current_xact_id()::text END,
    'versions', stream_versions,
    'positions', positions
  );
END
$fn$`

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
      appendFunction(t)
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
  }
]

/**
 * The versions recorded as applied, changing nothing: empty for a database Stint never migrated.
 * What tools check before they touch a database they must not migrate (`stint status`).
 */
export const applied = (tables: Tables): Effect.Effect<ReadonlyArray<number>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const exists = yield* sql.onDialectOrElse({
      pg: () => sql<{ readonly found: string | null }>`SELECT to_regclass(${tables.migrations})::text AS found`,
      orElse: () =>
        sql<{
          readonly found: string | null
        }>`SELECT name AS found FROM sqlite_master WHERE type = 'table' AND name = ${tables.migrations}`
    })
    if (exists[0]?.found == null) return []
    const rows = yield* sql.unsafe<{ readonly version: number | string }>(
      `SELECT version FROM ${tables.migrations} ORDER BY version`
    )
    return rows.map((row) => Number(row.version))
  })

/** Applies the migrations not yet recorded; returns the versions it applied. */
export const run = (tables: Tables): Effect.Effect<ReadonlyArray<number>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dialect = sql.onDialectOrElse({
      pg: () => "pg" as const,
      sqlite: () => "sqlite" as const,
      orElse: () => "other" as const
    })
    if (dialect === "other") return yield* Effect.dieMessage("@stint/sql supports SQLite and PostgreSQL")
    return yield* Effect.scoped(
      Effect.gen(function* () {
        // One reserved connection, so the lock, the checks and the DDL share one transaction.
        const connection = yield* sql.reserve
        const exec = (statement: string) => connection.executeUnprepared(statement, [], undefined)
        yield* exec(dialect === "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN")
        const body = Effect.gen(function* () {
          if (dialect === "pg") {
            yield* exec(`SELECT pg_advisory_xact_lock(hashtext('${tables.migrations}'))`)
          }
          yield* exec(
            `CREATE TABLE IF NOT EXISTS ${tables.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
          )
          const rows = (yield* exec(`SELECT version FROM ${tables.migrations}`)) as ReadonlyArray<{
            readonly version: number | string
          }>
          const applied = new Set(rows.map((row) => Number(row.version)))
          const pending = all.filter((migration) => !applied.has(migration.version))
          for (const migration of pending) {
            for (const statement of migration[dialect](tables)) yield* exec(statement)
            yield* connection.executeUnprepared(
              `INSERT INTO ${tables.migrations} (version, name, applied_at) VALUES (${dialect === "pg" ? "$1, $2, $3" : "?, ?, ?"})`,
              [migration.version, migration.name, new Date().toISOString()],
              undefined
            )
          }
          return pending.map((migration) => migration.version)
        })
        return yield* body.pipe(
          Effect.tap(() => exec("COMMIT")),
          Effect.onExit((exit) => (Exit.isSuccess(exit) ? Effect.void : Effect.ignore(exec("ROLLBACK"))))
        )
      })
    )
  })
