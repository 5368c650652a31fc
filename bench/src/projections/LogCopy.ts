/**
 * Puts a recorded log into a SQL store quickly and faithfully: every command of the simulation is
 * appended again through `SqlEventStore.append` — the same command id, actor, correlation, streams
 * (each with `ExpectedVersion.exact` of the version it had, so a gap or a reordering would be refused),
 * event ids, payloads and the instant it was first recorded — but many appends share one transaction
 * (they join it, as an append inside a host's transaction does), so a 100,000-event log is not paced
 * by one fsync per command. On PostgreSQL the appends of one transaction share its commit id.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { type AppendRequest, EventStore, type StreamAppend } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import type { StreamId } from "@stint/core/StreamId"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Place } from "../Subject.js"
import * as SimulatedClock from "./SimulatedClock.js"
import * as Stack from "./Stack.js"

/** Appends per transaction. */
export const appendsPerTransaction = 250

interface Recorded {
  readonly request: AppendRequest
  readonly recordedAt: number
}

/** The appends of a log, in log order: one per commit. */
export const appendsOf = (records: ReadonlyArray<RecordedEvent>): ReadonlyArray<Recorded> => {
  const appends: Array<Recorded> = []
  let i = 0
  while (i < records.length) {
    const first = records[i]!
    const streams = new Map<StreamId, { expected: number; events: Array<StreamAppend["events"][number]> }>()
    for (; i < records.length && records[i]!.commit === first.commit; i++) {
      const record = records[i]!
      let stream = streams.get(record.streamId)
      if (stream === undefined) {
        stream = { expected: record.version - 1, events: [] }
        streams.set(record.streamId, stream)
      }
      stream.events.push({
        eventId: record.eventId,
        type: record.type,
        data: record.data,
        schemaVersion: record.metadata.schemaVersion
      })
    }
    const { metadata } = first
    appends.push({
      request: {
        commandId: metadata.commandId,
        actor: metadata.actor,
        correlationId: metadata.correlationId,
        causationId: metadata.causationId,
        streams: [...streams].map(([streamId, stream]) => ({
          streamId,
          expected: ExpectedVersion.exact(stream.expected),
          events: stream.events
        }))
      },
      recordedAt: DateTime.toEpochMillis(metadata.recordedAt)
    })
  }
  return appends
}

/** Copies the log into the place's event store; the wall time it took (not part of any measurement). */
export const copy = async (records: ReadonlyArray<RecordedEvent>, place: Place): Promise<number> => {
  const started = performance.now()
  const clock = SimulatedClock.make(0)
  const runtime = ManagedRuntime.make(
    SqlEventStore.layer().pipe(Layer.provideMerge(Stack.client(place)), Layer.provideMerge(SimulatedClock.layer(clock)))
  )
  try {
    const appends = appendsOf(records)
    await runtime.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const store = yield* EventStore
        for (let from = 0; from < appends.length; from += appendsPerTransaction) {
          const batch = appends.slice(from, from + appendsPerTransaction)
          yield* sql.withTransaction(
            Effect.forEach(
              batch,
              ({ recordedAt, request }) =>
                Effect.gen(function* () {
                  clock.setExactly(recordedAt)
                  const result = yield* store.append(request)
                  if (result.duplicate) return yield* Effect.dieMessage(`command ${request.commandId} copied twice`)
                }),
              { discard: true }
            )
          )
        }
        const [row] = yield* sql<{ readonly n: number | string }>`SELECT count(*) AS n FROM stint_events`
        if (Number(row?.n) !== records.length) {
          return yield* Effect.dieMessage(`the copy holds ${row?.n} events, the log ${records.length}`)
        }
      }).pipe(Effect.orDie)
    )
    return (performance.now() - started) / 1000
  } finally {
    await runtime.dispose()
  }
}
