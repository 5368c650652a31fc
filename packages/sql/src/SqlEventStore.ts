/**
 * The event store on `@effect/sql`: one implementation for SQLite and PostgreSQL. The host provides
 * the driver's `SqlClient` layer; this module branches on the dialect only where it must:
 *
 * - appends: SQLite runs the statements in a transaction on its single connection; PostgreSQL calls
 *   a function holding the same statements, so an append is one round trip whatever its streams;
 * - the global order: on PostgreSQL events are read by `(commit, position)` below the visibility
 *   fence `pg_snapshot_xmin(pg_current_snapshot())`, where `commit` is the writing transaction id
 *   (`xid8`). A sequence number is handed out at insert but becomes visible at commit, so a reader
 *   going by position alone passes over an event that commits late; below the fence every
 *   transaction has finished, so nothing can appear behind a checkpoint. SQLite has one writer at a
 *   time: positions are handed out in commit order and no fence is needed.
 */
import * as Ids from "@stint/core/domain/Ids"
import * as Checkpoint from "@stint/core/store/Checkpoint"
import {
  type AppendRequest,
  type AppendResult,
  EventStore,
  type EventStoreShape,
  type ReadAllOptions,
  type StreamAppend
} from "@stint/core/store/EventStore"
import type { ExpectedVersion } from "@stint/core/store/ExpectedVersion"
import type { RecordedEvent } from "@stint/core/store/RecordedEvent"
import { InvalidStoreData, StoreError, WrongExpectedVersion } from "@stint/core/store/StoreError"
import * as StoreInput from "@stint/core/store/StoreInput"
import type { StreamId } from "@stint/core/store/StreamId"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import * as EventRow from "./EventRow.js"
import * as Migrations from "./Migrations.js"
import * as Tables from "./Tables.js"

/** Options of the SQL event store. */
export interface Options extends Tables.TableOptions {
  /**
   * SQLite only: `FULL` (default) syncs the write-ahead log at every commit, so an acknowledged append
   * survives a power cut; `NORMAL` syncs at checkpoints only — faster, and still safe against a crash
   * of the process, but the last appends before a power cut may be lost.
   */
  readonly synchronous?: "FULL" | "NORMAL"
  /** SQLite only: how long a write waits for another process's write lock (default 5 seconds). */
  readonly busyTimeout?: Duration.DurationInput
  /** How often `subscribe` polls for events appended by other processes (default 100 ms). */
  readonly pollInterval?: Duration.DurationInput
  /**
   * PostgreSQL only: how long `readAll` and `head` wait for transactions that are still running behind
   * the newest committed event before they settle for what is visible (default 10 seconds).
   */
  readonly fenceTimeout?: Duration.DurationInput
  /** Run the migrations when the store starts (default true). */
  readonly migrate?: boolean
}

/** How many events `readAll` and `subscribe` read per round trip when the caller does not say. */
export const defaultBatchSize = 500

type Dialect = "sqlite" | "pg"

/** What the database returns for an append that was not a duplicate. */
interface Written {
  readonly commit: bigint
  readonly versions: ReadonlyArray<readonly [string, number]>
  readonly positions: ReadonlyArray<bigint>
}

/** A payload already checked and turned into JSON text. */
interface PreparedEvent {
  readonly eventId: string
  readonly type: string
  readonly data: string
  readonly schemaVersion: number
}

interface PreparedStream {
  readonly streamId: string
  readonly expected: ExpectedVersion
  readonly events: ReadonlyArray<PreparedEvent>
}

const modeOf = (expected: ExpectedVersion): { readonly mode: string; readonly version?: number } => {
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

const formatExpected = (expected: ExpectedVersion): string =>
  expected._tag === "Any"
    ? "any"
    : expected._tag === "NoStream"
      ? "no_stream"
      : expected._tag === "StreamExists"
        ? "stream_exists"
        : String(expected.version)

/** Turns payloads into JSON text, refusing what no backend can store; names the stream and version. */
const prepare = (streams: ReadonlyArray<StreamAppend>): Either.Either<Array<PreparedStream>, InvalidStoreData> => {
  const prepared: Array<PreparedStream> = []
  for (const stream of streams) {
    const events: Array<PreparedEvent> = []
    for (const event of stream.events) {
      const data = StoreInput.encodeData(event.data)
      if (Either.isLeft(data)) {
        return Either.left(new InvalidStoreData({ streamId: stream.streamId, reason: data.left }))
      }
      events.push({ eventId: event.eventId, type: event.type, data: data.right, schemaVersion: event.schemaVersion })
    }
    prepared.push({ streamId: stream.streamId, expected: stream.expected, events })
  }
  return Either.right(prepared)
}

/** Our PostgreSQL function's refusal: SQLSTATE `SX001`, the stream and its version as JSON detail. */
const wrongVersionOf = (error: SqlError, streams: ReadonlyArray<PreparedStream>): WrongExpectedVersion | undefined => {
  const cause = error.cause as { readonly code?: unknown; readonly detail?: unknown } | undefined
  if (cause?.code !== "SX001" || typeof cause.detail !== "string") return undefined
  const detail = JSON.parse(cause.detail) as { readonly streamId: string; readonly actual: number }
  const stream = streams.find((s) => s.streamId === detail.streamId)
  return new WrongExpectedVersion({
    streamId: detail.streamId,
    expected: stream === undefined ? "unknown" : formatExpected(stream.expected),
    actual: detail.actual
  })
}

/** Builds the store over the `SqlClient` in context; runs the migrations unless told not to. */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* Effect.try({
      try: () => Tables.make(options),
      catch: (cause) => new StoreError({ method: "configure", cause })
    })
    const dialect: Dialect = yield* sql.onDialectOrElse({
      sqlite: () => Effect.succeed("sqlite" as const),
      pg: () => Effect.succeed("pg" as const),
      orElse: () =>
        Effect.fail(
          new StoreError({ method: "configure", cause: new Error("@stint/sql supports SQLite and PostgreSQL") })
        )
    })
    const storeError = (method: string) => (cause: SqlError) => new StoreError({ method, cause })

    if (dialect === "sqlite") {
      // WAL is set by the driver; these belong to the connection, so they are set before anything else.
      yield* sql.unsafe(`PRAGMA busy_timeout = ${Duration.toMillis(options.busyTimeout ?? "5 seconds")}`)
      yield* sql.unsafe(`PRAGMA synchronous = ${options.synchronous ?? "FULL"}`)
    }
    if (options.migrate !== false) yield* Migrations.run(tables)

    const events = sql(tables.events)
    const streamsTable = sql(tables.streams)
    const commands = sql(tables.commands)
    const pollInterval = Duration.decode(options.pollInterval ?? "100 millis")
    const fenceTimeout = Duration.toMillis(options.fenceTimeout ?? "10 seconds")
    // Every append of this instance wakes its subscribers at once; other processes are polled for.
    const appended = yield* PubSub.sliding<void>(1)

    const columns = sql.literal(
      dialect === "pg"
        ? "position, commit_id::text AS commit_id, stream_id, version, event_id, type, data, metadata, command_id"
        : "position, commit_id, stream_id, version, event_id, type, data, metadata, command_id"
    )

    const decodeRows = (
      rows: ReadonlyArray<EventRow.EventRow>
    ): Effect.Effect<Array<RecordedEvent>, InvalidStoreData> => {
      const decoded = EventRow.decodeAll(rows, dialect === "sqlite")
      return Either.isLeft(decoded) ? Effect.fail(decoded.left) : Effect.succeed(decoded.right)
    }

    // ---------------------------------------------------------------------------------------------
    // Appends

    const writeSqlite = (
      request: AppendRequest,
      streams: ReadonlyArray<PreparedStream>,
      metadata: string
    ): Effect.Effect<Written | "duplicate", WrongExpectedVersion | SqlError> =>
      sql.withTransaction(
        Effect.gen(function* () {
          const total = streams.reduce((sum, stream) => sum + stream.events.length, 0)
          // A write first: it takes the database's write lock (waiting up to busy_timeout), so the
          // checks below cannot be overtaken by another process.
          if (total > 0) {
            const claimed = yield* sql`INSERT INTO ${commands} (command_id) VALUES (${request.commandId})
              ON CONFLICT DO NOTHING RETURNING command_id`
            if (claimed.length === 0) return "duplicate" as const
          }
          const versions: Array<readonly [string, number]> = []
          for (const stream of streams) {
            const n = stream.events.length
            const { mode, version } = modeOf(stream.expected)
            const rows: ReadonlyArray<{ readonly version: number }> =
              mode === "any" && n === 0
                ? yield* sql<{
                    readonly version: number
                  }>`SELECT coalesce(max(version), 0) AS version FROM ${streamsTable}
                    WHERE stream_id = ${stream.streamId}`
                : mode === "any" || mode === "no_stream"
                  ? yield* sql<{
                      readonly version: number
                    }>`INSERT INTO ${streamsTable} (stream_id, version) VALUES (${stream.streamId}, ${n})
                      ON CONFLICT (stream_id) DO UPDATE SET version = version + ${n}
                      WHERE ${mode} = 'any' OR version = 0
                      RETURNING version`
                  : mode === "stream_exists"
                    ? yield* sql<{ readonly version: number }>`UPDATE ${streamsTable} SET version = version + ${n}
                        WHERE stream_id = ${stream.streamId} AND version > 0 RETURNING version`
                    : yield* sql<{ readonly version: number }>`UPDATE ${streamsTable} SET version = version + ${n}
                        WHERE stream_id = ${stream.streamId} AND version = ${version ?? 0} RETURNING version`
            if (rows.length === 0) {
              const actual = yield* sql<{ readonly version: number }>`SELECT version FROM ${streamsTable}
                WHERE stream_id = ${stream.streamId}`
              return yield* new WrongExpectedVersion({
                streamId: stream.streamId,
                expected: formatExpected(stream.expected),
                actual: actual[0]?.version ?? 0
              })
            }
            versions.push([stream.streamId, Number(rows[0]!.version)])
          }
          if (total === 0) return { commit: 0n, versions, positions: [] }

          // One writer holds the lock: positions continue from the last one, in request order.
          const [last] = yield* sql<{ readonly last: number }>`SELECT coalesce(max(position), 0) AS last FROM ${events}`
          const commit = Number(last!.last) + 1
          const rows: Array<Record<string, unknown>> = []
          const positions: Array<bigint> = []
          for (const [i, stream] of streams.entries()) {
            const lastVersion = versions[i]![1]
            for (const [k, event] of stream.events.entries()) {
              const position = commit + rows.length
              positions.push(BigInt(position))
              rows.push({
                position,
                commit_id: commit,
                stream_id: stream.streamId,
                version: lastVersion - stream.events.length + k + 1,
                event_id: event.eventId,
                type: event.type,
                data: event.data,
                metadata: `${metadata.slice(0, -1)},"schemaVersion":${event.schemaVersion}}`,
                command_id: request.commandId
              })
            }
          }
          yield* sql`INSERT INTO ${events} ${sql.insert(rows)}`
          yield* sql`UPDATE ${commands} SET first_position = ${commit}, last_position = ${commit + rows.length - 1},
            versions = ${JSON.stringify(versions)} WHERE command_id = ${request.commandId}`
          return { commit: BigInt(commit), versions, positions }
        })
      )

    const writePg = (
      request: AppendRequest,
      streams: ReadonlyArray<PreparedStream>,
      metadata: string
    ): Effect.Effect<Written | "duplicate", WrongExpectedVersion | SqlError> => {
      // Built as text: the payloads are JSON already, and the function takes one jsonb argument.
      const body = streams
        .map((stream) => {
          const { mode, version } = modeOf(stream.expected)
          const eventsJson = stream.events
            .map(
              (event) =>
                `{"eventId":${JSON.stringify(event.eventId)},"type":${JSON.stringify(event.type)},"schemaVersion":${event.schemaVersion},"data":${event.data}}`
            )
            .join(",")
          return `{"streamId":${JSON.stringify(stream.streamId)},"mode":"${mode}","version":${version ?? 0},"events":[${eventsJson}]}`
        })
        .join(",")
      const json = `{"commandId":${JSON.stringify(request.commandId)},"metadata":${metadata},"streams":[${body}]}`
      return sql<{
        readonly result: {
          readonly duplicate: boolean
          readonly commit: string | null
          readonly versions: ReadonlyArray<readonly [string, number]>
          readonly positions: ReadonlyArray<number | string>
        }
      }>`SELECT ${sql(tables.appendFunction)}(${json}::jsonb) AS result`.pipe(
        Effect.map(([row]) => {
          const result = row!.result
          if (result.duplicate) return "duplicate" as const
          return {
            commit: BigInt(result.commit ?? 0),
            versions: result.versions.map(([streamId, version]) => [streamId, Number(version)] as const),
            positions: result.positions.map((position) => BigInt(position))
          }
        }),
        Effect.catchIf(
          (error): error is SqlError => error instanceof SqlError && wrongVersionOf(error, streams) !== undefined,
          (error) => Effect.fail(wrongVersionOf(error, streams)!)
        )
      )
    }

    const lookupCommand = Effect.fn("EventStore.lookupCommand")(function* (commandId: string) {
      yield* Effect.annotateCurrentSpan("stint.commandId", commandId)
      const [command] = yield* sql<{
        readonly first_position: number | string | null
        readonly last_position: number | string | null
        readonly versions: unknown
      }>`SELECT first_position, last_position, versions FROM ${commands} WHERE command_id = ${commandId}`.pipe(
        Effect.mapError(storeError("lookupCommand"))
      )
      if (command === undefined || command.first_position === null || command.last_position === null) {
        return Option.none<AppendResult>()
      }
      const rows = yield* sql<EventRow.EventRow>`SELECT ${columns} FROM ${events}
        WHERE position BETWEEN ${command.first_position} AND ${command.last_position} AND command_id = ${commandId}
        ORDER BY position`.pipe(Effect.mapError(storeError("lookupCommand")))
      const recorded = yield* decodeRows(rows).pipe(
        Effect.mapError((cause) => new StoreError({ method: "lookupCommand", cause }))
      )
      const versions = (
        typeof command.versions === "string" ? JSON.parse(command.versions) : command.versions
      ) as ReadonlyArray<readonly [string, number]>
      return Option.some<AppendResult>({
        commandId: Ids.CommandId.make(commandId),
        events: recorded,
        versions: versions.map(([streamId, version]) => ({ streamId: streamId as StreamId, version: Number(version) })),
        duplicate: false
      })
    })

    const append = Effect.fn("EventStore.append")(function* (request: AppendRequest) {
      yield* Effect.annotateCurrentSpan("stint.commandId", request.commandId)
      yield* StoreInput.checkAppend(request)
      const prepared = prepare(request.streams)
      if (Either.isLeft(prepared)) return yield* prepared.left
      const streams = prepared.right
      const now = yield* Clock.currentTimeMillis
      const recordedAt = DateTime.unsafeMake(now)
      const metadata = JSON.stringify({
        actor: request.actor,
        correlationId: request.correlationId,
        causationId: request.causationId,
        recordedAt: DateTime.formatIso(recordedAt)
      })
      const written = yield* (dialect === "pg" ? writePg : writeSqlite)(request, streams, metadata).pipe(
        Effect.catchTag("SqlError", (cause) => Effect.fail(new StoreError({ method: "append", cause })))
      )
      if (written === "duplicate") {
        const previous = yield* lookupCommand(request.commandId)
        if (Option.isNone(previous)) {
          return yield* new StoreError({
            method: "append",
            cause: new Error(`command ${request.commandId} is recorded but its events are not`)
          })
        }
        return { ...previous.value, duplicate: true }
      }
      const recorded: Array<RecordedEvent> = []
      for (const [i, stream] of request.streams.entries()) {
        const lastVersion = written.versions[i]![1]
        for (const [k, event] of stream.events.entries()) {
          recorded.push({
            eventId: event.eventId,
            streamId: stream.streamId,
            version: lastVersion - stream.events.length + k + 1,
            position: written.positions[recorded.length]!,
            commit: written.commit,
            type: event.type,
            data: JSON.parse(streams[i]!.events[k]!.data),
            metadata: {
              actor: request.actor,
              commandId: request.commandId,
              correlationId: request.correlationId,
              causationId: request.causationId,
              schemaVersion: event.schemaVersion,
              recordedAt
            }
          })
        }
      }
      if (recorded.length > 0) yield* PubSub.publish(appended, undefined)
      return {
        commandId: request.commandId,
        events: recorded,
        versions: written.versions.map(([streamId, version]) => ({ streamId: streamId as StreamId, version })),
        duplicate: false
      } satisfies AppendResult
    })

    // ---------------------------------------------------------------------------------------------
    // Reads

    const readStream = Effect.fn("EventStore.readStream")(function* (
      streamId: StreamId,
      options?: { readonly fromVersion?: number }
    ) {
      yield* StoreInput.checkStreamId(streamId)
      const fromVersion = Math.max(1, Math.ceil(options?.fromVersion ?? 1))
      const rows = yield* sql<EventRow.EventRow>`SELECT ${columns} FROM ${events}
        WHERE stream_id = ${streamId} AND version >= ${fromVersion} ORDER BY version`.pipe(
        Effect.mapError(storeError("readStream"))
      )
      return yield* decodeRows(rows)
    })

    // On PostgreSQL `commit_id` is selected as text (`xid8` has no JavaScript type), so every ORDER BY
    // names the table's column: a bare `commit_id` would sort the text alias, where "10" < "9".

    /** The newest committed event's commit, or undefined when the log is empty. */
    const newestCommit = (method: string) =>
      sql<{ readonly commit_id: string | number }>`SELECT ${sql.literal(
        dialect === "pg" ? "commit_id::text AS commit_id" : "commit_id"
      )} FROM ${events} ORDER BY ${events}.commit_id DESC LIMIT 1`.pipe(
        Effect.map(([row]) => (row === undefined ? undefined : BigInt(row.commit_id))),
        Effect.mapError(storeError(method))
      )

    /**
     * One page after `from`, and the fence it was read below (PostgreSQL; undefined on SQLite, where
     * everything committed is in order).
     */
    const page = (
      method: string,
      from: Checkpoint.Checkpoint,
      size: number
    ): Effect.Effect<
      { readonly events: Array<RecordedEvent>; readonly fence: bigint | undefined },
      InvalidStoreData | StoreError
    > =>
      Effect.gen(function* () {
        if (dialect === "sqlite") {
          const rows = yield* sql<EventRow.EventRow>`SELECT ${columns} FROM ${events}
            WHERE position > ${Number(from.position)} ORDER BY position LIMIT ${size}`.pipe(
            Effect.mapError(storeError(method))
          )
          return { events: yield* decodeRows(rows), fence: undefined }
        }
        const rows = yield* sql<EventRow.EventRow & { readonly fence: string }>`
          SELECT f.fence::text AS fence, e.* FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS fence) f
          LEFT JOIN LATERAL (
            SELECT ${columns} FROM ${events}
            WHERE (commit_id, position) > (${String(from.commit)}::xid8, ${String(from.position)}::bigint)
              AND commit_id < f.fence
            ORDER BY ${events}.commit_id, ${events}.position LIMIT ${size}
          ) e ON true
          ORDER BY e.position IS NULL, e.commit_id::xid8, e.position`.pipe(Effect.mapError(storeError(method)))
        const fence = BigInt(rows[0]!.fence)
        const eventRows = rows[0]!.position === null ? [] : rows
        return { events: yield* decodeRows(eventRows), fence }
      })

    /** Waits a little longer each time the fence has not passed yet. */
    const backoff = (attempt: number) => Effect.sleep(Duration.millis(Math.min(50, 1 + attempt * 2)))

    const readAllStream = (
      method: string,
      follow: boolean,
      options?: ReadAllOptions
    ): Stream.Stream<RecordedEvent, InvalidStoreData | StoreError> => {
      const from = options?.from ?? Checkpoint.start
      const batchSize = options?.batchSize ?? defaultBatchSize
      if (!Number.isInteger(batchSize) || batchSize <= 0) {
        return Stream.dieMessage(`${method}: batchSize must be a positive integer, got ${batchSize}`)
      }
      const pages = Stream.unwrapScoped(
        Effect.gen(function* () {
          // Subscribed before the first read, so an append between a read and the wait still wakes us.
          const wakeUps = follow ? yield* PubSub.subscribe(appended) : undefined
          // readAll ends at the log as it was when it started: everything committed by then is read.
          const target = follow ? undefined : yield* newestCommit(method)
          const startedAt = yield* Clock.currentTimeMillis
          interface Cursor {
            readonly from: Checkpoint.Checkpoint
            readonly waits: number
          }
          return Stream.paginateChunkEffect<Cursor, RecordedEvent, InvalidStoreData | StoreError, never>(
            { from, waits: 0 },
            (cursor) =>
              Effect.gen(function* () {
                const result = yield* page(method, cursor.from, batchSize)
                const last = result.events[result.events.length - 1]
                const next = last === undefined ? cursor.from : { commit: last.commit, position: last.position }
                const chunk = Chunk.unsafeFromArray(result.events)
                if (result.events.length === batchSize) {
                  return [chunk, Option.some({ from: next, waits: 0 })] as const
                }
                if (wakeUps === undefined) {
                  // Caught up with what is visible; done unless a transaction behind the target still runs.
                  const settled = target === undefined || result.fence === undefined || result.fence > target
                  const waited = (yield* Clock.currentTimeMillis) - startedAt
                  if (settled || waited > fenceTimeout) return [chunk, Option.none()] as const
                  yield* backoff(cursor.waits)
                  return [chunk, Option.some({ from: next, waits: cursor.waits + 1 })] as const
                }
                if (result.events.length === 0) {
                  yield* Effect.raceFirst(wakeUps.take, Effect.sleep(pollInterval))
                }
                return [chunk, Option.some({ from: next, waits: 0 })] as const
              })
          )
        })
      )
      return pages.pipe(
        Stream.withSpan(method, { attributes: { "stint.from": Checkpoint.format(from), "stint.batchSize": batchSize } })
      )
    }

    const head: Effect.Effect<Checkpoint.Checkpoint, StoreError> = Effect.gen(function* () {
      if (dialect === "sqlite") {
        const [row] = yield* sql<{ readonly commit_id: number; readonly position: number }>`
          SELECT commit_id, position FROM ${events} ORDER BY position DESC LIMIT 1`.pipe(
          Effect.mapError(storeError("head"))
        )
        return row === undefined ? Checkpoint.start : { commit: BigInt(row.commit_id), position: BigInt(row.position) }
      }
      const startedAt = yield* Clock.currentTimeMillis
      for (let attempt = 0; ; attempt++) {
        // The newest committed event, and the last event below the fence, seen in one snapshot.
        const [row] = yield* sql<{
          readonly target: string | null
          readonly fence: string
          readonly commit_id: string | null
          readonly position: string | null
        }>`SELECT (SELECT commit_id::text FROM ${events} ORDER BY commit_id DESC LIMIT 1) AS target,
                  f.fence::text AS fence, h.commit_id::text AS commit_id, h.position
           FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS fence) f
           LEFT JOIN LATERAL (
             SELECT commit_id, position FROM ${events} WHERE commit_id < f.fence
             ORDER BY commit_id DESC, position DESC LIMIT 1
           ) h ON true`.pipe(Effect.mapError(storeError("head")))
        const settled = row!.target === null || BigInt(row!.fence) > BigInt(row!.target)
        if (settled || (yield* Clock.currentTimeMillis) - startedAt > fenceTimeout) {
          return row!.commit_id === null || row!.position === null
            ? Checkpoint.start
            : { commit: BigInt(row!.commit_id), position: BigInt(row!.position) }
        }
        yield* backoff(attempt)
      }
    }).pipe(Effect.withSpan("EventStore.head"))

    return EventStore.of({
      append,
      readStream,
      lookupCommand: (commandId) => lookupCommand(commandId),
      readAll: (options) => readAllStream("EventStore.readAll", false, options),
      subscribe: (options) => readAllStream("EventStore.subscribe", true, options),
      head
    } satisfies EventStoreShape)
  })

/** The event store on the `SqlClient` the host provides (SQLite or PostgreSQL); migrates on start. */
export const layer = (options?: Options): Layer.Layer<EventStore, SqlError | StoreError, SqlClient.SqlClient> =>
  Layer.scoped(EventStore, make(options))
