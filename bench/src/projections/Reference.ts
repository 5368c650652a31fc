/**
 * What each built-in read model should hold after reading a log: its documents, computed in memory by
 * `Projection.applyAll` (the reference semantics every runner keeps) over the decoded log. A rebuild
 * that ends with another document count is reported, never hidden.
 */
import * as Codec from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import * as ReadModels from "@stint/core/ReadModels"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import * as Either from "effect/Either"

/** A built-in projection and where `ReadModels.options()` places it. */
export interface Placed {
  readonly projection: Projection.Projection<unknown, unknown>
  readonly inline: boolean
}

/** The seven built-in projections in `ReadModels.all` order, each with its default placement. */
export const builtIn = (): ReadonlyArray<Placed> => {
  const inline = new Set((ReadModels.options().inline ?? []).map((p) => p.name))
  return ReadModels.all.map(({ projection }) => ({ projection, inline: inline.has(projection.name) }))
}

/** Documents per projection name after applying the whole log. */
export const documentCounts = (records: ReadonlyArray<RecordedEvent>): ReadonlyMap<string, number> => {
  const { decodeRecord } = Codec.makeDecoder()
  const envelopes = records.map((record) => Either.getOrThrow(decodeRecord(record)))
  return new Map(
    builtIn().map(({ projection }) => [projection.name, Projection.applyAll(projection, new Map(), envelopes).size])
  )
}
