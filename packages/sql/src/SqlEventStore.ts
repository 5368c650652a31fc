/**
 * The event store on `@effect/sql`: one implementation for SQLite and PostgreSQL. The host provides
 * the driver's `SqlClient` layer; this module branches on the dialect only where it must:
 *
 * - appends: SQLite checks and inserts in one `BEGIN IMMEDIATE` transaction (one writer holds the lock
 *   from its first statement, `internal/SqliteAppend.ts`); PostgreSQL calls a function that locks
 *   each stream, checks its version and inserts, so an append is one round trip whatever its streams
 *   (`internal/PgAppend.ts`);
 * - idempotency: a command id is recorded by its events, and with its request's fingerprint (in the
 *   commands table, in the same transaction) even when it writes none; an id recorded already is
 *   read back and answered as a duplicate, or refused with `CommandIdReused` for another request;
 * - the global order: on PostgreSQL events are read by `(commit, position)` below the visibility
 *   fence `pg_snapshot_xmin(pg_current_snapshot())`, so no reader passes over an event that commits
 *   late; SQLite has one writer at a time and needs no fence (`internal/EventReads.ts`).
 */
import {
  type AppendRequest,
  type AppendResult,
  EventStore,
  type EventStoreShape,
  reusesCommandId
} from "@stint/core/EventStore"
import { CommandIdReused, StoreError } from "@stint/core/StoreError"
import * as StoreInput from "@stint/core/StoreInput"
import type { StreamId } from "@stint/core/StreamId"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import { AppendHook } from "@stint/core/AppendHook"
import * as EventReads from "./internal/EventReads.js"
import * as Execution from "./internal/Execution.js"
import * as InlineLock from "./internal/InlineLock.js"
import * as PgAppend from "./internal/PgAppend.js"
import * as PreparedAppend from "./internal/PreparedAppend.js"
import * as SqliteAppend from "./internal/SqliteAppend.js"
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

/** Builds the store over the `SqlClient` in context; runs the migrations unless told not to. */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const tables = yield* Tables.configure(options)
    const execution = yield* Execution.fromContext
    const { dialect, onConnection, sql, transaction } = execution

    if (dialect.name === "sqlite") {
      // WAL is set by the driver; these belong to the connection, so they are set before anything else.
      yield* sql.unsafe(`PRAGMA busy_timeout = ${Duration.toMillis(options.busyTimeout ?? "5 seconds")}`)
      yield* sql.unsafe(`PRAGMA synchronous = ${options.synchronous ?? "FULL"}`)
    }
    if (options.migrate !== false) yield* Migrations.run(tables)

    const hook = yield* Effect.serviceOption(AppendHook)
    const pollInterval = Duration.decode(options.pollInterval ?? "100 millis")
    const fenceTimeout = Duration.toMillis(options.fenceTimeout ?? "10 seconds")
    // Every append of this instance wakes its subscribers at once; other processes are polled for.
    const appended = yield* PubSub.sliding<void>(1)
    const reads = EventReads.make(execution, tables, { pollInterval, fenceTimeout, defaultBatchSize, appended })

    /**
     * Writes the append (`"duplicate"` when its command id is recorded already). With inline
     * projections the write, their documents and (PostgreSQL) the shared inline lock are one
     * transaction: the documents change with the events or not at all.
     */
    const writeOn = dialect.name === "pg" ? PgAppend.make(tables) : SqliteAppend.make(tables)
    const inlineShared = InlineLock.shared(tables)
    const write = (append: PreparedAppend.PreparedAppend) => {
      if (Option.isNone(hook)) {
        // PostgreSQL's append is one statement, atomic alone; SQLite's checks and insert need a transaction.
        return dialect.name === "pg" ? onConnection((c) => writeOn(c, append)) : transaction((c) => writeOn(c, append))
      }
      return transaction((c) =>
        Effect.gen(function* () {
          if (dialect.name === "pg") yield* Execution.query(c, inlineShared)
          const result = yield* writeOn(c, append)
          if (result === "duplicate" || result.positions.length === 0) return result
          yield* hook.value.afterWrite(PreparedAppend.recorded(append, result))
          return result
        })
      )
    }

    const append = (request: AppendRequest) =>
      Effect.gen(function* () {
        yield* StoreInput.checkAppend(request)
        const recordedAt = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
        const prepared = PreparedAppend.make(request, recordedAt)
        if (Either.isLeft(prepared)) return yield* prepared.left
        const written = yield* write(prepared.right).pipe(
          Effect.catchTag("SqlError", (cause) => Effect.fail(new StoreError({ method: "append", cause })))
        )
        if (written === "duplicate") {
          // Recorded already (and committed: the write waited for it): a retry of the same request
          // gets the first result; another request under the id is refused.
          const previous = yield* reads.lookupCommand(request.commandId)
          if (Option.isNone(previous)) {
            return yield* new StoreError({
              method: "append",
              cause: new Error(`command ${request.commandId} is recorded but its record cannot be read`)
            })
          }
          if (reusesCommandId(previous.value, request)) {
            return yield* new CommandIdReused({ commandId: request.commandId })
          }
          return { ...previous.value, duplicate: true }
        }
        const recorded = PreparedAppend.recorded(prepared.right, written)
        if (recorded.length > 0) yield* PubSub.publish(appended, undefined)
        return {
          commandId: request.commandId,
          events: recorded,
          versions: written.versions.map(([streamId, version]) => ({ streamId: streamId as StreamId, version })),
          duplicate: false,
          ...(request.fingerprint === undefined ? {} : { fingerprint: request.fingerprint })
        } satisfies AppendResult
      })

    return EventStore.of({
      append,
      readStream: reads.readStream,
      lookupCommand: reads.lookupCommand,
      readAll: reads.readAll,
      subscribe: reads.subscribe,
      head: reads.head
    } satisfies EventStoreShape)
  })

/** The event store on the `SqlClient` the host provides (SQLite or PostgreSQL); migrates on start. */
export const layer = (options?: Options): Layer.Layer<EventStore, SqlError | StoreError, SqlClient.SqlClient> =>
  Layer.scoped(EventStore, make(options))
