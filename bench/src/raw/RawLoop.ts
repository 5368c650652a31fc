/**
 * The command loop every raw ceiling runs: read the stream, fold, decide, insert the next version,
 * and try again when another writer took that version first. Each raw store supplies only its read
 * and its insert; a synchronous store's calls are not awaited, so no microtask is added to its cost.
 */
import { randomUUID } from "node:crypto"
import * as Workload from "../Workload.js"

export interface Stats {
  events: number
  conflicts: number
}

/** One raw store's two operations; `insert` answers false when the version was taken (a conflict). */
export interface RawStore {
  readonly read: (
    streamId: string
  ) =>
    | ReadonlyArray<{ readonly version: number; readonly type: string }>
    | Promise<ReadonlyArray<{ readonly version: number; readonly type: string }>>
  readonly insert: (
    streamId: string,
    version: number,
    event: Workload.NewEvent,
    metadata: unknown
  ) => boolean | Promise<boolean>
}

/** Drives one engagement through the workload's commands. */
export const drive = async (store: RawStore, engagement: Workload.Engagement, stats: Stats): Promise<void> => {
  for (const command of Workload.commands) {
    let awaited = false
    for (;;) {
      const read = store.read(engagement.streamId)
      awaited ||= read instanceof Promise
      const rows = read instanceof Promise ? await read : read
      const version = rows.length === 0 ? 0 : rows[rows.length - 1]!.version
      const now = Date.now()
      const decided = Workload.decide(command, Workload.fold(rows.map((r) => r.type)), engagement, now)
      if (decided instanceof Workload.Refused) throw decided
      const inserted = store.insert(
        engagement.streamId,
        version + 1,
        decided,
        Workload.metadataOf(engagement, randomUUID(), now)
      )
      awaited ||= inserted instanceof Promise
      if (inserted instanceof Promise ? await inserted : inserted) break
      stats.conflicts++
    }
    stats.events++
    // A synchronous store's loops take turns at every command, as they would on an asynchronous one.
    if (!awaited) await Promise.resolve()
  }
}
