/**
 * What the inline hook and the runners share: the registered projections, and decoding and loading a
 * batch's documents for them.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Codec from "../handling/EventCodec.js"
import { type Custom, InvalidProjection, type Projection } from "../projection/Projection.js"
import type { Options, Registrable } from "../projection/Projections.js"
import type { ProjectionStoreShape, Target } from "../projection/ProjectionStore.js"
import type { RecordedEvent } from "../store/RecordedEvent.js"
import { type InvalidStoreData, StoreError } from "../store/StoreError.js"
import * as Apply from "./Apply.js"

/** A projection as registered: inline (in the append's transaction) or async (by a runner). */
export interface Registered {
  readonly projection: Registrable
  readonly inline: boolean
}

/** Whether a projection has storage of its own. */
export const isCustom = (p: Registrable): p is Custom => (p as Custom)._tag === "Custom"

/** Whether a projection reads events of this type (a stored record's `type`). */
export const reads = (p: Registrable, type: string): boolean => {
  const handles: ReadonlySet<string> = p.handles
  return handles.has(type)
}
/**
 * The projections of `options`, each once. A name registered twice is a mistake in the host's wiring,
 * not a condition to handle: the layer dies with `InvalidProjection` (a defect, as before, but typed).
 */
export const registrations = (options: Options): Effect.Effect<ReadonlyArray<Registered>> => {
  const all = [
    ...(options.inline ?? []).map((projection) => ({ projection, inline: true })),
    ...(options.async ?? []).map((projection) => ({ projection, inline: false }))
  ]
  const seen = new Set<string>()
  for (const { projection } of all) {
    if (seen.has(projection.name)) {
      return Effect.die(new InvalidProjection({ name: projection.name, reason: "it is registered twice" }))
    }
    seen.add(projection.name)
  }
  return Effect.succeed(all)
}

/** The records of a batch that a projection reads, decoded (and upcast) into envelopes. */
export const decodeRecords = (
  decode: ReturnType<typeof Codec.makeDecoder>["decodeRecord"],
  projection: { readonly handles: ReadonlySet<string> },
  records: ReadonlyArray<RecordedEvent>
): Either.Either<ReadonlyArray<Codec.Envelope>, InvalidStoreData> => {
  const envelopes: Array<Codec.Envelope> = []
  for (const record of records) {
    if (!projection.handles.has(record.type)) continue
    const decoded = decode(record)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    envelopes.push(decoded.right)
  }
  return Either.right(envelopes)
}

/** Loads documents of a generation, decoded. */
export const loader =
  <D>(store: ProjectionStoreShape, target: Target, projection: Projection<D, unknown>, lock: boolean) =>
  (ids: ReadonlyArray<string>): Effect.Effect<ReadonlyMap<string, D>, StoreError> => {
    const decode = Apply.decoder(projection)
    return Effect.flatMap(store.getMany(target, [...ids].sort(), { lock }), (stored) => {
      const documents = new Map<string, D>()
      for (const [id, value] of stored) {
        const decoded = decode(id, value)
        if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
        documents.set(id, decoded.right)
      }
      return Effect.succeed(documents)
    })
  }

/** A custom projection's failure, wrapped as the store failing (the runner restarts from its checkpoint). */
export const customFailed = (projection: Custom, method: string) => (cause: unknown) =>
  new StoreError({ method, cause: cause instanceof Error ? cause : new Error(`${projection.name}: ${String(cause)}`) })
