/**
 * The command loop on Emmett, through its public `EventStore` API only: `readStream`, fold, decide,
 * `appendToStream` with `expectedStreamVersion` set to the version read, retried on
 * `ExpectedVersionConflictError`. The same loop runs on Emmett's memory, SQLite and PostgreSQL stores.
 */
import { randomUUID } from "node:crypto"
import { type Event, type EventStore, isExpectedVersionConflictError } from "@event-driven-io/emmett"
import * as Memory from "../Memory.js"
import { type RunStats, retryConflicts, runLoops } from "../Subject.js"
import * as Workload from "../Workload.js"

/** The workload's events as Emmett sees them: a type, a payload and the metadata every store keeps. */
type BenchEvent = Event<string, Record<string, unknown>, Record<string, unknown>>

const drive = async (
  store: EventStore,
  engagement: Workload.Engagement,
  stats: { events: number; conflicts: number }
) => {
  for (const command of Workload.commands) {
    await retryConflicts(
      async () => {
        const { events, currentStreamVersion } = await store.readStream<BenchEvent>(engagement.streamId)
        const now = Date.now()
        const decided = Workload.decide(command, Workload.fold(events.map((e) => e.type)), engagement, now)
        if (decided instanceof Workload.Refused) throw decided
        const event: BenchEvent = {
          type: decided.type,
          data: decided.data,
          metadata: Workload.metadataOf(engagement, randomUUID(), now)
        }
        await store.appendToStream<BenchEvent>(engagement.streamId, [event], {
          expectedStreamVersion: currentStreamVersion
        })
      },
      isExpectedVersionConflictError,
      () => {
        stats.conflicts++
      }
    )
    stats.events++
  }
}

/** Runs the loops at once on one Emmett store. */
export const run = async (
  store: EventStore,
  loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>
): Promise<RunStats> => {
  const stats = { events: 0, conflicts: 0 }
  await runLoops(loops, (engagement) => drive(store, engagement, stats), Memory.tick)
  return { commands: stats.events, events: stats.events, conflicts: stats.conflicts }
}
