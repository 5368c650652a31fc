/**
 * The event store on `@effect/sql`: one implementation for SQLite and PostgreSQL. The host provides
 * the driver's `SqlClient` layer; this module branches on the dialect only where it must:
 *
 * - appends: SQLite checks and inserts in one `BEGIN IMMEDIATE` transaction (one writer holds the lock
 *   from its first statement); PostgreSQL calls a function (see `Migrations.ts`) that locks each
 *   stream, checks its version and inserts, so an append is one round trip whatever its streams;
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
import * as ExpectedVersion from "@stint/core/store/ExpectedVersion"
import { metadataOf, type RecordedEvent } from "@stint/core/store/RecordedEvent"
import { InvalidStoreData, StoreError, WrongExpectedVersion } from "@stint/core/store/StoreError"
import * as StoreInput from "@stint/core/store/StoreInput"
import type { StreamId } from "@stint/core/store/StreamId"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
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
import { AppendHook } from "@stint/core/store/AppendHook"
import * as EventRow from "./EventRow.js"
import * as Connection from "./internal/connection.js"
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
  readonly expected: ExpectedVersion.ExpectedVersion
  readonly events: ReadonlyArray<PreparedEvent>
}

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
    expected: stream === undefined ? "unknown" : ExpectedVersion.format(stream.expected),
    actual: detail.actual
  })
}

/** Builds the store over the `SqlClient` in context; runs the migrations unless told not to. */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* Tables.configure(options)
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

    const hook = yield* Effect.serviceOption(AppendHook)
    const connection = Connection.make(sql, dialect)
    const pollInterval = Duration.decode(options.pollInterval ?? "100 millis")
    const fenceTimeout = Duration.toMillis(options.fenceTimeout ?? "10 seconds")
    // Every append of this instance wakes its subscribers at once; other processes are polled for.
    const appended = yield* PubSub.sliding<void>(1)

    // ---------------------------------------------------------------------------------------------
    // Statements. They go straight to the driver's connection (which prepares and caches them), not
    // through @effect/sql's statement builder: that costs about 20 µs a statement, more than SQLite
    // itself takes for most of them. The SQL is fixed text, written with `?` and numbered for pg.

    const text = (statement: string): string => {
      if (dialect === "sqlite") return statement
      let n = 0
      return statement.replace(/\?/g, () => `$${++n}`)
    }
    const t = tables
    const columns =
      dialect === "pg"
        ? "position, commit_id::text AS commit_id, stream_id, version, event_id, type, data, metadata, command_id"
        : "position, commit_id, stream_id, version, event_id, type, data, metadata, command_id"
    const versionOf = (streamId: string) =>
      `(SELECT coalesce(max(version), 0) FROM ${t.events} WHERE stream_id = ${streamId})`
    // On PostgreSQL `commit_id` is selected as text (`xid8` has no JavaScript type), so every ORDER BY
    // names the table's column: a bare `commit_id` would sort the text alias, where "10" < "9".
    const statements = {
      readStream: text(`SELECT ${columns} FROM ${t.events} WHERE stream_id = ? AND version >= ? ORDER BY version`),
      pageSqlite: text(`SELECT ${columns} FROM ${t.events} WHERE position > ? ORDER BY position LIMIT ?`),
      pagePg: text(`SELECT f.fence::text AS fence, e.*
        FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS fence) f
        LEFT JOIN LATERAL (
          SELECT ${columns} FROM ${t.events}
          WHERE (${t.events}.commit_id, ${t.events}.position) > (?::xid8, ?::bigint) AND ${t.events}.commit_id < f.fence
          ORDER BY ${t.events}.commit_id, ${t.events}.position LIMIT ?
        ) e ON true
        ORDER BY e.position IS NULL, e.commit_id::xid8, e.position`),
      newestCommitPg: `SELECT commit_id::text AS commit_id FROM ${t.events} ORDER BY ${t.events}.commit_id DESC LIMIT 1`,
      headSqlite: `SELECT commit_id, position FROM ${t.events} ORDER BY position DESC LIMIT 1`,
      // The newest committed event, and the last event below the fence, seen in one snapshot.
      headPg: `SELECT (SELECT commit_id::text FROM ${t.events} ORDER BY ${t.events}.commit_id DESC LIMIT 1) AS target,
          f.fence::text AS fence, h.commit_id::text AS commit_id, h.position
        FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS fence) f
        LEFT JOIN LATERAL (
          SELECT commit_id, position FROM ${t.events} WHERE commit_id < f.fence
          ORDER BY commit_id DESC, position DESC LIMIT 1
        ) h ON true`,
      lookupSqlite: `SELECT ${columns}, append_versions FROM ${t.events} WHERE command_id = ? ORDER BY position`,
      // The first event (by the unique index), then the rest of its commit.
      lookupPg: `SELECT ${columns}, e.append_versions FROM ${t.events} e
        JOIN (SELECT commit_id AS first_commit FROM ${t.events}
              WHERE command_id = $1 AND append_versions IS NOT NULL) f ON e.commit_id = f.first_commit
        WHERE e.command_id = $1 ORDER BY e.position`,
      appendPg: `SELECT ${t.appendFunction}($1::jsonb) AS result`,
      // Held by every append while inline projections are on; a projection switching to inline takes it alone.
      inlineSharedPg: `SELECT pg_advisory_xact_lock_shared(hashtextextended('${t.prefix}inline', 0))::text AS locked`,
      begin: "BEGIN IMMEDIATE",
      commit: "COMMIT",
      rollback: "ROLLBACK"
    }
    // SQLite: the versions of n streams and whether the command is known, in one statement.
    const checkSqlite = (n: number) =>
      `SELECT EXISTS (SELECT 1 FROM ${t.events} WHERE command_id = ?) AS known,
        (SELECT coalesce(max(position), 0) FROM ${t.events}) AS last
        ${Array.from({ length: n }, (_, i) => `, ${versionOf("?")} AS v${i}`).join("")}`
    const insertSqlite = (rows: number) =>
      `INSERT INTO ${t.events}
        (position, commit_id, stream_id, version, event_id, type, data, metadata, command_id, append_versions)
        VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`

    /**
     * Runs `f` on the caller's transaction's connection when there is one (so an append joins the
     * host's transaction), else on a connection reserved for the call.
     */
    const onConnection = <A, E>(
      f: (connection: SqlConnection.Connection, inTransaction: boolean) => Effect.Effect<A, E>
    ): Effect.Effect<A, E | SqlError> =>
      Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (outer) =>
        Option.isSome(outer) ? f(outer.value[0], true) : Effect.scoped(Effect.flatMap(sql.reserve, (c) => f(c, false)))
      )

    const query = <A extends object>(
      connection: SqlConnection.Connection,
      statement: string,
      params: ReadonlyArray<unknown>
    ): Effect.Effect<ReadonlyArray<A>, SqlError> =>
      connection.execute(statement, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

    const decodeRows = (
      rows: ReadonlyArray<EventRow.EventRow>
    ): Effect.Effect<Array<RecordedEvent>, InvalidStoreData> => {
      const decoded = EventRow.decodeAll(rows, dialect === "sqlite")
      return Either.isLeft(decoded) ? Effect.fail(decoded.left) : Effect.succeed(decoded.right)
    }

    // ---------------------------------------------------------------------------------------------
    // Appends

    /**
     * The SQLite append. `BEGIN IMMEDIATE` takes the database's write lock first (waiting up to the
     * busy timeout for another process), so the checks read a state no one can change before the
     * insert. One statement reads whether the command id is known and every stream's version; one
     * statement inserts the events. Inside a caller's transaction it joins that one.
     */
    const writeSqlite = (
      request: AppendRequest,
      streams: ReadonlyArray<PreparedStream>,
      metadata: string
    ): Effect.Effect<Written | "duplicate", WrongExpectedVersion | SqlError> =>
      onConnection((connection, inTransaction) => {
        const body = Effect.gen(function* () {
          const total = streams.reduce((sum, stream) => sum + stream.events.length, 0)
          const [check] = yield* query<Record<string, number>>(connection, checkSqlite(streams.length), [
            request.commandId,
            ...streams.map((stream) => stream.streamId)
          ])
          if (total > 0 && check!.known) return "duplicate" as const
          const versions: Array<readonly [string, number]> = []
          for (const [i, stream] of streams.entries()) {
            const actual = Number(check![`v${i}`])
            if (!ExpectedVersion.satisfiedBy(stream.expected, actual)) {
              return yield* new WrongExpectedVersion({
                streamId: stream.streamId,
                expected: ExpectedVersion.format(stream.expected),
                actual
              })
            }
            versions.push([stream.streamId, actual + stream.events.length])
          }
          if (total === 0) return { commit: 0n, versions, positions: [] }
          // One writer holds the lock: positions continue from the last, in request order, and the
          // append's commit is its first position.
          const commit = Number(check!.last) + 1
          const params: Array<unknown> = []
          const positions: Array<bigint> = []
          for (const [i, stream] of streams.entries()) {
            const lastVersion = versions[i]![1]
            for (const [k, event] of stream.events.entries()) {
              const position = commit + positions.length
              params.push(
                position,
                commit,
                stream.streamId,
                lastVersion - stream.events.length + k + 1,
                event.eventId,
                event.type,
                event.data,
                `${metadata.slice(0, -1)},"schemaVersion":${event.schemaVersion}}`,
                request.commandId,
                positions.length === 0 ? JSON.stringify(versions) : null
              )
              positions.push(BigInt(position))
            }
          }
          yield* query(connection, insertSqlite(positions.length), params)
          return { commit: BigInt(commit), versions, positions }
        })
        if (inTransaction) return body
        const run = (statement: string) => query(connection, statement, [])
        return Effect.uninterruptibleMask((restore) =>
          Effect.zipRight(
            run(statements.begin),
            Effect.flatMap(Effect.exit(restore(body)), (exit) =>
              exit._tag === "Success"
                ? Effect.zipRight(
                    run(statements.commit).pipe(Effect.tapError(() => Effect.ignore(run(statements.rollback)))),
                    exit
                  )
                : Effect.zipRight(Effect.ignore(run(statements.rollback)), exit)
            )
          )
        )
      })

    /** The PostgreSQL append: one call of the append function, which runs as one transaction. */
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
      return onConnection((connection) =>
        query<{
          readonly result: {
            readonly duplicate: boolean
            readonly commit: string | null
            readonly versions: ReadonlyArray<readonly [string, number]>
            readonly positions: ReadonlyArray<number | string>
          }
        }>(connection, statements.appendPg, [json])
      ).pipe(
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
          const wrong = wrongVersionOf(error, streams)
          if (wrong !== undefined) return Effect.fail(wrong)
          // The same command id appended at once to other streams: the unique index let one through.
          const cause = error.cause as { readonly code?: unknown; readonly constraint?: unknown } | undefined
          if (cause?.code === "23505" && cause.constraint === `${t.events}_command`) {
            return Effect.succeed("duplicate" as const)
          }
          return Effect.fail(error)
        })
      )
    }

    // The per-call operations carry no span of their own (one costs about 10 µs, more than SQLite
    // takes for the statement): they run inside the caller's span, `Stint.execute` for commands.
    const lookupCommand = (commandId: string) =>
      Effect.gen(function* () {
        // The command's events carry it; the first also holds every stream's version after it.
        const rows = yield* onConnection((connection) =>
          query<EventRow.EventRow & { readonly append_versions: unknown }>(
            connection,
            dialect === "sqlite" ? statements.lookupSqlite : statements.lookupPg,
            [commandId]
          )
        )
        const first = rows.find((row) => row.append_versions !== null && row.append_versions !== undefined)
        const found = first === undefined ? undefined : { rows, versions: first.append_versions }
        if (found === undefined) return Option.none<AppendResult>()
        const recorded = yield* decodeRows(found.rows).pipe(
          Effect.mapError((cause) => new StoreError({ method: "lookupCommand", cause }))
        )
        const versions = (
          typeof found.versions === "string" ? JSON.parse(found.versions) : found.versions
        ) as ReadonlyArray<readonly [string, number]>
        return Option.some<AppendResult>({
          commandId: Ids.CommandId.make(commandId),
          events: recorded,
          versions: versions.map(([streamId, version]) => ({
            streamId: streamId as StreamId,
            version: Number(version)
          })),
          duplicate: false
        })
      }).pipe(Effect.catchTag("SqlError", (cause) => Effect.fail(new StoreError({ method: "lookupCommand", cause }))))

    /** The recorded events of a written append (what readers will read back). */
    const recordedOf = (
      request: AppendRequest,
      streams: ReadonlyArray<PreparedStream>,
      written: Written,
      recordedAt: DateTime.Utc
    ): Array<RecordedEvent> => {
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
            metadata: metadataOf(request, event.schemaVersion, recordedAt)
          })
        }
      }
      return recorded
    }

    const append = (request: AppendRequest) =>
      Effect.gen(function* () {
        yield* StoreInput.checkAppend(request)
        const prepared = prepare(request.streams)
        if (Either.isLeft(prepared)) return yield* prepared.left
        const streams = prepared.right
        const recordedAt = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
        const metadata = JSON.stringify({
          actor: request.actor,
          correlationId: request.correlationId,
          causationId: request.causationId,
          recordedAt: DateTime.formatIso(recordedAt)
        })
        const write = (dialect === "pg" ? writePg : writeSqlite)(request, streams, metadata)
        // With inline projections the write, their documents and (PostgreSQL) the shared inline lock are
        // one transaction: the documents change with the events or not at all.
        const written = yield* (
          Option.isNone(hook)
            ? write
            : connection.transaction((c) =>
                Effect.gen(function* () {
                  if (dialect === "pg") yield* query(c, statements.inlineSharedPg, [])
                  const result = yield* write
                  if (result === "duplicate" || result.positions.length === 0) return result
                  yield* hook.value.afterWrite(recordedOf(request, streams, result, recordedAt))
                  return result
                })
              )
        ).pipe(Effect.catchTag("SqlError", (cause) => Effect.fail(new StoreError({ method: "append", cause }))))
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
        const recorded = recordedOf(request, streams, written, recordedAt)
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

    const readStream = (streamId: StreamId, options?: { readonly fromVersion?: number }) =>
      Effect.gen(function* () {
        yield* StoreInput.checkStreamId(streamId)
        const fromVersion = Math.max(1, Math.ceil(options?.fromVersion ?? 1))
        const rows = yield* onConnection((connection) =>
          query<EventRow.EventRow>(connection, statements.readStream, [streamId, fromVersion])
        ).pipe(Effect.mapError(storeError("readStream")))
        return yield* decodeRows(rows)
      })

    /** PostgreSQL: the newest committed event's commit, or undefined when the log is empty. */
    const newestCommit = (method: string) =>
      onConnection((connection) =>
        query<{ readonly commit_id: string | number }>(connection, statements.newestCommitPg, [])
      ).pipe(
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
          const rows = yield* onConnection((connection) =>
            query<EventRow.EventRow>(connection, statements.pageSqlite, [Number(from.position), size])
          ).pipe(Effect.mapError(storeError(method)))
          return { events: yield* decodeRows(rows), fence: undefined }
        }
        const rows = yield* onConnection((connection) =>
          query<EventRow.EventRow & { readonly fence: string }>(connection, statements.pagePg, [
            String(from.commit),
            String(from.position),
            size
          ])
        ).pipe(Effect.mapError(storeError(method)))
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
          // (SQLite shows only committed rows, in order: nothing to wait for, no target needed.)
          const target = follow || dialect === "sqlite" ? undefined : yield* newestCommit(method)
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
        const [row] = yield* onConnection((connection) =>
          query<{ readonly commit_id: number; readonly position: number }>(connection, statements.headSqlite, [])
        ).pipe(Effect.mapError(storeError("head")))
        return row === undefined ? Checkpoint.start : { commit: BigInt(row.commit_id), position: BigInt(row.position) }
      }
      const startedAt = yield* Clock.currentTimeMillis
      for (let attempt = 0; ; attempt++) {
        const [row] = yield* onConnection((connection) =>
          query<{
            readonly target: string | null
            readonly fence: string
            readonly commit_id: string | null
            readonly position: string | null
          }>(connection, statements.headPg, [])
        ).pipe(Effect.mapError(storeError("head")))
        // Settled once every transaction up to the newest committed event has finished.
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
