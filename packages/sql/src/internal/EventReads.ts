/**
 * The event store's reads: a stream, the global log in pages (to its end, or following it), the head,
 * and a recorded command's result.
 *
 * The global order: on PostgreSQL events are read by `(commit, position)` below the visibility fence
 * `pg_snapshot_xmin(pg_current_snapshot())`, where `commit` is the writing transaction id (`xid8`).
 * A sequence number is handed out at insert but becomes visible at commit, so a reader going by
 * position alone passes over an event that commits late; below the fence every transaction has
 * finished, so nothing can appear behind a checkpoint. SQLite has one writer at a time: positions are
 * handed out in commit order and no fence is needed.
 *
 * The per-call reads carry no span of their own (one costs about 10 µs, more than SQLite takes for
 * the statement): they run inside the caller's span, `Stint.execute` for commands.
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as Ids from "@stint/core/Ids"
import * as Checkpoint from "@stint/core/Checkpoint"
import type { AppendResult, ReadAllOptions } from "@stint/core/EventStore"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import { type InvalidStoreData, StoreError } from "@stint/core/StoreError"
import * as StoreInput from "@stint/core/StoreInput"
import type { StreamId } from "@stint/core/StreamId"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import * as EventRow from "../EventRow.js"
import type * as Tables from "../Tables.js"
import * as Execution from "./Execution.js"

/** How the reads page and wait. */
export interface Settings {
  readonly pollInterval: Duration.Duration
  /** PostgreSQL: milliseconds to wait for transactions behind the newest committed event. */
  readonly fenceTimeout: number
  readonly defaultBatchSize: number
  /** Published to by every append of this process: wakes its subscribers at once. */
  readonly appended: PubSub.PubSub<void>
}

/** The reads over the event table. */
export const make = (execution: Execution.Execution, tables: Tables.Tables, settings: Settings) => {
  const { dialect, onConnection } = execution
  const query = Execution.query
  const storeError = (method: string) => (cause: SqlError) => new StoreError({ method, cause })
  const text = dialect.text
  const t = tables
  const columns = `position, ${dialect.asText("commit_id")}, stream_id, version, event_id, type, data, metadata, command_id`
  // On PostgreSQL `commit_id` is selected as text (`xid8` has no JavaScript type), so every ORDER BY
  // names the table's column: a bare `commit_id` would sort the text alias, where "10" < "9".
  const statements = {
    readStream: text(`SELECT ${columns} FROM ${t.events} WHERE stream_id = ? AND version >= ? ORDER BY version`),
    pageSqlite: `SELECT ${columns} FROM ${t.events} WHERE position > ? ORDER BY position LIMIT ?`,
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
    // The command's row (recorded with a fingerprint), if any, beside its events: one row of NULLs
    // when neither exists.
    lookupSqlite: `SELECT c.fingerprint, c.versions AS recorded_versions, e.position, e.commit_id, e.stream_id,
        e.version, e.event_id, e.type, e.data, e.metadata, e.command_id, e.append_versions
      FROM (SELECT ? AS id) q
      LEFT JOIN ${t.commands} c ON c.command_id = q.id
      LEFT JOIN ${t.events} e ON e.command_id = q.id
      ORDER BY e.position`,
    // The events: the first (by the unique index), then the rest of its commit.
    lookupPg: `SELECT c.fingerprint, c.versions AS recorded_versions, e.*
      FROM (SELECT $1::text AS id) q
      LEFT JOIN ${t.commands} c ON c.command_id = q.id
      LEFT JOIN LATERAL (
        SELECT ${columns}, e.append_versions FROM ${t.events} e
        JOIN (SELECT commit_id AS first_commit FROM ${t.events}
              WHERE command_id = q.id AND append_versions IS NOT NULL) f ON e.commit_id = f.first_commit
        WHERE e.command_id = q.id
      ) e ON true
      ORDER BY e.position`
  }

  const decodeRows = (
    rows: ReadonlyArray<EventRow.EventRow>
  ): Effect.Effect<Array<RecordedEvent>, InvalidStoreData> => {
    const decoded = EventRow.decodeAll(rows, dialect.name === "sqlite")
    return Either.isLeft(decoded) ? Effect.fail(decoded.left) : Effect.succeed(decoded.right)
  }

  /** Stream versions as stored: JSON text on SQLite, parsed jsonb on PostgreSQL. */
  const versionsOf = (stored: unknown): AppendResult["versions"] =>
    ((typeof stored === "string" ? JSON.parse(stored) : stored) as ReadonlyArray<readonly [string, number]>).map(
      ([streamId, version]) => ({ streamId: streamId as StreamId, version: Number(version) })
    )

  const lookupCommand = (commandId: string) =>
    Effect.gen(function* () {
      const rows = yield* onConnection((connection) =>
        query<
          EventRow.EventRow & {
            readonly fingerprint: string | null
            readonly recorded_versions: unknown
            readonly append_versions: unknown
          }
        >(connection, dialect.name === "sqlite" ? statements.lookupSqlite : statements.lookupPg, [commandId])
      )
      // A command recorded with a fingerprint has its row, whether or not it wrote events; one
      // appended without has its events, the first holding every stream's version after it.
      const fingerprint = rows[0]?.fingerprint ?? undefined
      const events = rows.filter((row) => row.position !== null && row.position !== undefined)
      const first = events.find((row) => row.append_versions !== null && row.append_versions !== undefined)
      if (fingerprint === undefined && first === undefined) return Option.none<AppendResult>()
      const recorded = yield* decodeRows(events).pipe(
        Effect.mapError((cause) => new StoreError({ method: "lookupCommand", cause }))
      )
      return Option.some<AppendResult>({
        commandId: Ids.CommandId.make(commandId),
        events: recorded,
        versions: versionsOf(fingerprint === undefined ? first!.append_versions : rows[0]!.recorded_versions),
        duplicate: false,
        ...(fingerprint === undefined ? {} : { fingerprint })
      })
    }).pipe(Effect.catchTag("SqlError", (cause) => Effect.fail(new StoreError({ method: "lookupCommand", cause }))))

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
      if (dialect.name === "sqlite") {
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
    const batchSize = options?.batchSize ?? settings.defaultBatchSize
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      return Stream.dieMessage(`${method}: batchSize must be a positive integer, got ${batchSize}`)
    }
    const pages = Stream.unwrapScoped(
      Effect.gen(function* () {
        // Subscribed before the first read, so an append between a read and the wait still wakes us.
        const wakeUps = follow ? yield* PubSub.subscribe(settings.appended) : undefined
        // readAll ends at the log as it was when it started: everything committed by then is read.
        // (SQLite shows only committed rows, in order: nothing to wait for, no target needed.)
        const target = follow || dialect.name === "sqlite" ? undefined : yield* newestCommit(method)
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
                if (settled || waited > settings.fenceTimeout) return [chunk, Option.none()] as const
                yield* backoff(cursor.waits)
                return [chunk, Option.some({ from: next, waits: cursor.waits + 1 })] as const
              }
              if (result.events.length === 0) {
                yield* Effect.raceFirst(wakeUps.take, Effect.sleep(settings.pollInterval))
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
    if (dialect.name === "sqlite") {
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
      if (settled || (yield* Clock.currentTimeMillis) - startedAt > settings.fenceTimeout) {
        return row!.commit_id === null || row!.position === null
          ? Checkpoint.start
          : { commit: BigInt(row!.commit_id), position: BigInt(row!.position) }
      }
      yield* backoff(attempt)
    }
  }).pipe(Effect.withSpan("EventStore.head"))

  return {
    readStream,
    lookupCommand,
    readAll: (options?: ReadAllOptions) => readAllStream("EventStore.readAll", false, options),
    subscribe: (options?: ReadAllOptions) => readAllStream("EventStore.subscribe", true, options),
    head
  }
}
