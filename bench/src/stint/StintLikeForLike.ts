/**
 * Stint like-for-like: Stint's `EventStore` port with a minimal command loop, so it writes exactly
 * the six events the peers write, one stream per command. Per command: `readStream`, fold, decide
 * with the workload's pure decider, `append` to that one stream with `ExpectedVersion.exact(version
 * read)`, retried on `WrongExpectedVersion`. No `lookupCommand`, no codec: what remains is the store.
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import { CommandId, UserId } from "@stint/core/Ids"
import { EventStore, type EventStoreShape } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import type { StreamId } from "@stint/core/StreamId"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Memory from "../Memory.js"
import type { Place, RunStats, Subject } from "../Subject.js"
import * as Workload from "../Workload.js"
import * as StintScan from "./StintScan.js"
import * as StintStores from "./StintStores.js"

interface Stats {
  events: number
  conflicts: number
}

const step = (
  store: EventStoreShape,
  engagement: Workload.Engagement,
  streamId: StreamId,
  actor: Actor.Actor,
  command: Workload.CommandName,
  stats: Stats
) =>
  Effect.gen(function* () {
    const events = yield* store.readStream(streamId)
    const version = events.length === 0 ? 0 : events[events.length - 1]!.version
    const now = Date.now()
    const decided = Workload.decide(command, Workload.fold(events.map((e) => e.type)), engagement, now)
    if (decided instanceof Workload.Refused) return yield* Effect.die(decided)
    const commandId = CommandId.make(randomUUID())
    yield* store.append({
      commandId,
      actor,
      correlationId: commandId,
      causationId: commandId,
      streams: [
        {
          streamId,
          expected: ExpectedVersion.exact(version),
          events: [{ eventId: randomUUID(), type: decided.type, data: decided.data, schemaVersion: 1 }]
        }
      ]
    })
  }).pipe(
    Effect.tapErrorTag("WrongExpectedVersion", () =>
      Effect.sync(() => {
        stats.conflicts++
      })
    ),
    Effect.retry({ while: (error) => error._tag === "WrongExpectedVersion", times: 50 }),
    Effect.tap(() => {
      stats.events++
    })
  )

const drive = (store: EventStoreShape, engagement: Workload.Engagement, stats: Stats) => {
  const streamId = engagement.streamId as StreamId
  const actor = Actor.user(UserId.make(engagement.mentorId))
  return Effect.forEach(Workload.commands, (command) => step(store, engagement, streamId, actor, command, stats), {
    discard: true
  }).pipe(Effect.zipRight(Effect.sync(Memory.tick)))
}

export const make = async (place: Place): Promise<Subject> => {
  const runtime = ManagedRuntime.make(StintStores.layer(place))
  // Build now: connections and migrations are not part of the measurement.
  await runtime.runPromise(Effect.void)
  return {
    run: (loops) =>
      runtime.runPromise(
        Effect.gen(function* () {
          const store = yield* EventStore
          const stats: Stats = { events: 0, conflicts: 0 }
          yield* Effect.forEach(
            loops,
            (loop) => Effect.forEach(loop, (e) => drive(store, e, stats), { discard: true }),
            {
              concurrency: "unbounded",
              discard: true
            }
          )
          return { commands: stats.events, events: stats.events, conflicts: stats.conflicts } satisfies RunStats
        }).pipe(Effect.orDie)
      ),
    scan: (check, batchSize) => runtime.runPromise(StintScan.scan(check, batchSize)),
    settings: () => runtime.runPromise(StintStores.settings),
    close: () => runtime.dispose()
  }
}
