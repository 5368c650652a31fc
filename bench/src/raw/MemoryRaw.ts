/**
 * The in-memory ceiling: a plain `Map` of streams and one array for the global log, no framework.
 * Like Stint's memory store, an append keeps a JSON round-trip copy of the payload (so a caller
 * cannot mutate what was stored) and reads hand out the stored rows; that is the least work a store
 * that owns its data can do.
 */
import { randomUUID } from "node:crypto"
import * as Memory from "../Memory.js"
import { type RunStats, runLoops, type Subject } from "../Subject.js"
import type * as Workload from "../Workload.js"
import * as RawLoop from "./RawLoop.js"

interface Row {
  readonly streamId: string
  readonly version: number
  readonly position: number
  readonly eventId: string
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
}

export const make = async (): Promise<Subject> => {
  const streams = new Map<string, Array<Row>>()
  const log: Array<Row> = []

  const readStream = (streamId: string): ReadonlyArray<Row> => (streams.get(streamId) ?? []).slice()

  /** Appends when the stream is still at `expected`; false when another writer got there first. */
  const append = (streamId: string, expected: number, event: Workload.NewEvent, metadata: unknown): boolean => {
    const rows = streams.get(streamId) ?? []
    if (rows.length !== expected) return false
    const row: Row = {
      streamId,
      version: expected + 1,
      position: log.length + 1,
      eventId: randomUUID(),
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data)),
      metadata: JSON.parse(JSON.stringify(metadata))
    }
    if (rows.length === 0) streams.set(streamId, [row])
    else rows.push(row)
    log.push(row)
    return true
  }

  const store: RawLoop.RawStore = {
    read: readStream,
    insert: (streamId, version, event, metadata) => append(streamId, version - 1, event, metadata)
  }

  const run = async (loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>): Promise<RunStats> => {
    const stats = { events: 0, conflicts: 0 }
    await runLoops(loops, (engagement) => RawLoop.drive(store, engagement, stats), Memory.tick)
    return { commands: stats.events, events: stats.events, conflicts: stats.conflicts }
  }

  return {
    run,
    scan: async (check, batchSize) => {
      for (let from = 0; from < log.length; from += batchSize) {
        for (const row of log.slice(from, from + batchSize)) {
          check.add(row.streamId, row.version, 0n, BigInt(row.position))
        }
      }
    },
    settings: async () => ({ durability: "none (process memory)" }),
    close: async () => {}
  }
}
