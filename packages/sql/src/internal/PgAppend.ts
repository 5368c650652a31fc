/**
 * The PostgreSQL append, in one file: the function the migrations create, and its caller.
 *
 * One round trip per append, whatever its streams. The function first takes a transaction-scoped
 * advisory lock per stream, in stream-id order so two appends never deadlock: exclusive for a stream
 * it writes, shared for a stream it only checks. Under those locks each stream's version is read
 * fresh and checked against the expected-version mode, so no other writer can change a stream
 * between its check and the write; a failed check raises `refusalCode` with the stream and its
 * version, which rolls the whole append back. Advisory locks live in memory: an append inserts its
 * events (and its command's row when it carries a fingerprint) and updates no row.
 *
 * Idempotency (migration 3): an append that records its command id (it writes events, or carries a
 * fingerprint) then takes a lock on the command id, in a key space of its own (two 32-bit keys, where
 * the streams' are one 64-bit key), always after the streams' locks; under it, the command's record
 * (its fingerprint row, or the first event of an append made without one) is looked for fresh, so of
 * two appends of one id at once the second finds the first's and writes nothing. The caller reads
 * the record back and tells a retry from a reused id (`SqlEventStore`).
 */
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import { WrongExpectedVersion } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"
import type * as Tables from "../Tables.js"
import * as Execution from "./Execution.js"
import type { PreparedAppend, PreparedStream, Written } from "./PreparedAppend.js"

/** The SQLSTATE the function raises for a stream not at its expected version (detail: JSON). */
export const refusalCode = "SX001"

/**
 * The function's definition as the first migration created it: released, so never edited (a change
 * is a new migration with a `CREATE OR REPLACE` of its own, as `definition3`).
 */
export const definition1 = (t: Tables.Tables): string => `
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
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = '${refusalCode}',
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

/**
 * The function's definition since migration 3, which replaces the first: the same append, and the
 * command's record. A command id with a fingerprint is recorded in the commands table (with every
 * stream's version after the append) even when it writes no event; a command id recorded already,
 * either way, makes the append a duplicate that writes nothing. Released with migration 3: never
 * edited (a change is a new migration).
 */
export const definition3 = (t: Tables.Tables): string => `
CREATE OR REPLACE FUNCTION ${t.appendFunction}(request jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  command text := request->>'commandId';
  request_fingerprint text := request->>'fingerprint';
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
  -- Idempotency: one append of a command id at a time, after the streams' locks; the command is
  -- known by its row (with a fingerprint) or its first event (without one). Unique keys back this up.
  IF total > 0 OR request_fingerprint IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('${t.commands}'), hashtext(command));
    IF EXISTS (SELECT 1 FROM ${t.commands} WHERE command_id = command)
       OR EXISTS (SELECT 1 FROM ${t.events} WHERE command_id = command AND append_versions IS NOT NULL) THEN
      RETURN jsonb_build_object('duplicate', true);
    END IF;
  END IF;
  FOR item IN SELECT s FROM jsonb_array_elements(request->'streams') AS s LOOP
    sid := item->>'streamId';
    mode := item->>'mode';
    n := jsonb_array_length(item->'events');
    SELECT coalesce(max(version), 0) INTO actual FROM ${t.events} WHERE stream_id = sid;
    IF (mode = 'no_stream' AND actual <> 0)
       OR (mode = 'stream_exists' AND actual = 0)
       OR (mode = 'exact' AND actual <> (item->>'version')::integer) THEN
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = '${refusalCode}',
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
  IF request_fingerprint IS NOT NULL THEN
    INSERT INTO ${t.commands} (command_id, fingerprint, versions, recorded_at)
      VALUES (command, request_fingerprint, stream_versions, (meta->>'recordedAt')::timestamptz);
  END IF;
  RETURN jsonb_build_object(
    'duplicate', false,
    'commit', CASE WHEN total > 0 THEN pg_current_xact_id()::text END,
    'versions', stream_versions,
    'positions', positions
  );
END
$fn$`

/** How the function takes an expected version. */
const modeOf = (expected: ExpectedVersion.ExpectedVersion): { readonly mode: string; readonly version?: number } => {
  switch (expected._tag) {
    case "Any":
      return { mode: "any" }
    case "NoStream":
      return { mode: "no_stream" }
    case "StreamExists":
      return { mode: "stream_exists" }
    case "Exact":
      return expected.version === 0 ? { mode: "no_stream" } : { mode: "exact", version: expected.version }
  }
}

/** The function's argument, built as text: the payloads and the metadata are JSON already. */
const argument = (append: PreparedAppend): string => {
  const streams = append.streams
    .map((stream) => {
      const { mode, version } = modeOf(stream.expected)
      const events = stream.events
        .map(
          (event) =>
            `{"eventId":${JSON.stringify(event.eventId)},"type":${JSON.stringify(event.type)},"schemaVersion":${event.schemaVersion},"data":${event.data}}`
        )
        .join(",")
      return `{"streamId":${JSON.stringify(stream.streamId)},"mode":"${mode}","version":${version ?? 0},"events":[${events}]}`
    })
    .join(",")
  const { commandId, fingerprint } = append.request
  const recorded = fingerprint === undefined ? "" : `"fingerprint":${JSON.stringify(fingerprint)},`
  return `{"commandId":${JSON.stringify(commandId)},${recorded}"metadata":${append.metadata},"streams":[${streams}]}`
}

/** The function's refusal: `refusalCode`, the stream and its version as JSON detail. */
const refusalOf = (error: SqlError, streams: ReadonlyArray<PreparedStream>): WrongExpectedVersion | undefined => {
  const cause = error.cause as { readonly code?: unknown; readonly detail?: unknown } | undefined
  if (cause?.code !== refusalCode || typeof cause.detail !== "string") return undefined
  const detail = JSON.parse(cause.detail) as { readonly streamId: string; readonly actual: number }
  const stream = streams.find((s) => s.streamId === detail.streamId)
  return new WrongExpectedVersion({
    streamId: detail.streamId,
    expected: stream === undefined ? "unknown" : ExpectedVersion.format(stream.expected),
    actual: detail.actual
  })
}

interface Result {
  readonly duplicate: boolean
  readonly commit: string | null
  readonly versions: ReadonlyArray<readonly [string, number]>
  readonly positions: ReadonlyArray<number | string>
}

/**
 * The append on PostgreSQL: one call of the function, inside the caller's transaction when there is
 * one. `"duplicate"` when the command id is recorded already.
 */
export const make = (tables: Tables.Tables) => {
  const statement = `SELECT ${tables.appendFunction}($1::jsonb) AS result`
  return (
    connection: SqlConnection.Connection,
    append: PreparedAppend
  ): Effect.Effect<Written | "duplicate", WrongExpectedVersion | SqlError> =>
    Execution.query<{ readonly result: Result }>(connection, statement, [argument(append)]).pipe(
      Effect.map(([row]) => {
        const result = row!.result
        if (result.duplicate) return "duplicate" as const
        return {
          commit: BigInt(result.commit ?? 0),
          versions: result.versions.map(([streamId, version]) => [streamId, Number(version)] as const),
          positions: result.positions.map((position) => BigInt(position))
        }
      }),
      Effect.catchTag("SqlError", (error): Effect.Effect<"duplicate", WrongExpectedVersion | SqlError> => {
        const wrong = refusalOf(error, append.streams)
        if (wrong !== undefined) return Effect.fail(wrong)
        // The same command id recorded by an append this one could not see (under the function's
        // lock, only from a caller's transaction with an older snapshot): the unique keys let one through.
        const cause = error.cause as { readonly code?: unknown; readonly constraint?: unknown } | undefined
        if (
          cause?.code === "23505" &&
          (cause.constraint === `${tables.events}_command` || cause.constraint === `${tables.commands}_pkey`)
        ) {
          return Effect.succeed("duplicate" as const)
        }
        return Effect.fail(error)
      })
    )
}
