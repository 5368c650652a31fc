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
 * The PostgreSQL append: one round trip per append, whatever the number of streams. It runs the same
 * statements a client would — each expected-version mode is one conditional write on the stream's
 * row, so the check and the write are one atomic step — and raises `SX001` with the stream and its
 * actual version when a check fails, which rolls the whole append back.
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
  total integer;
  new_version integer;
  actual integer;
  locked jsonb := '{}'::jsonb;
  stream_versions jsonb := '[]'::jsonb;
  positions jsonb := '[]'::jsonb;
  inserted jsonb;
BEGIN
  SELECT coalesce(sum(jsonb_array_length(s->'events')), 0) INTO total
    FROM jsonb_array_elements(request->'streams') AS s;
  -- Idempotency first: a concurrent append of the same command id waits here for the first to finish.
  IF total > 0 THEN
    INSERT INTO ${t.commands} (command_id) VALUES (command) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RETURN jsonb_build_object('duplicate', true);
    END IF;
  END IF;
  -- Check and lock every stream in stream-id order, so two appends never deadlock.
  FOR item IN SELECT s FROM jsonb_array_elements(request->'streams') AS s ORDER BY s->>'streamId' LOOP
    sid := item->>'streamId';
    mode := item->>'mode';
    n := jsonb_array_length(item->'events');
    new_version := NULL;
    IF mode = 'any' AND n = 0 THEN
      SELECT coalesce(max(version), 0) INTO new_version FROM ${t.streams} WHERE stream_id = sid;
    ELSIF mode = 'any' OR mode = 'no_stream' THEN
      INSERT INTO ${t.streams} AS s (stream_id, version) VALUES (sid, n)
        ON CONFLICT (stream_id) DO UPDATE SET version = s.version + n WHERE mode = 'any' OR s.version = 0
        RETURNING s.version INTO new_version;
    ELSIF mode = 'stream_exists' THEN
      UPDATE ${t.streams} SET version = version + n WHERE stream_id = sid AND version > 0
        RETURNING version INTO new_version;
    ELSE
      UPDATE ${t.streams} SET version = version + n
        WHERE stream_id = sid AND version = (item->>'version')::integer
        RETURNING version INTO new_version;
    END IF;
    IF new_version IS NULL THEN
      SELECT version INTO actual FROM ${t.streams} WHERE stream_id = sid;
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'SX001',
        DETAIL = jsonb_build_object('streamId', sid, 'actual', coalesce(actual, 0))::text;
    END IF;
    locked := locked || jsonb_build_object(sid, new_version);
  END LOOP;
  -- Then write the events in request order, so positions follow the request.
  FOR item IN SELECT s FROM jsonb_array_elements(request->'streams') AS s LOOP
    sid := item->>'streamId';
    n := jsonb_array_length(item->'events');
    stream_versions := stream_versions || jsonb_build_array(jsonb_build_array(sid, locked->sid));
    CONTINUE WHEN n = 0;
    WITH rows AS (
      INSERT INTO ${t.events} (stream_id, version, event_id, type, data, metadata, command_id)
      SELECT sid, (locked->>sid)::integer - n + e.ordinality::integer, e.value->>'eventId', e.value->>'type',
             e.value->'data', meta || jsonb_build_object('schemaVersion', e.value->'schemaVersion'), command
        FROM jsonb_array_elements(item->'events') WITH ORDINALITY AS e
        ORDER BY e.ordinality
      RETURNING position
    )
    SELECT jsonb_agg(position ORDER BY position) INTO inserted FROM rows;
    positions := positions || inserted;
  END LOOP;
  IF total > 0 THEN
    UPDATE ${t.commands}
       SET first_position = (positions->>0)::bigint,
           last_position = (positions->>(jsonb_array_length(positions) - 1))::bigint,
           versions = stream_versions
     WHERE command_id = command;
  END IF;
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
        UNIQUE (stream_id, version)
      )`,
      // The global order: readers go by (commit, position) below the visibility fence.
      `CREATE INDEX IF NOT EXISTS ${t.events}_commit_position ON ${t.events} (commit_id, position)`,
      `CREATE TABLE IF NOT EXISTS ${t.streams} (
        stream_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.commands} (
        command_id TEXT PRIMARY KEY,
        first_position BIGINT,
        last_position BIGINT,
        versions JSONB
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
        name TEXT PRIMARY KEY,
        commit_id xid8 NOT NULL,
        position BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      appendFunction(t)
    ]
  }
]

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
