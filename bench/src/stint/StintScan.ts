/**
 * The global read on Stint: `EventStore.readAll`, consumed chunk by chunk (a page per chunk), as a
 * projection would. The check sees Stint's own order key, `(commit, position)`.
 */
import { EventStore } from "@stint/core/EventStore"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ScanCheck } from "../ScanCheck.js"

export const scan = (check: ScanCheck, batchSize: number) =>
  Effect.flatMap(EventStore, (store) =>
    Stream.runForEachChunk(store.readAll({ batchSize }), (chunk) =>
      Effect.sync(() => {
        for (const event of chunk) check.add(event.streamId, event.version, event.commit, event.position)
      })
    )
  )
