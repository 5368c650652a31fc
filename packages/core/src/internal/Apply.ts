/**
 * Applying a batch of events to stored documents. `apply` is synchronous and reads documents through
 * `get`, so the documents it will read cannot be known beforehand: the batch runs against what is
 * loaded, each read of an unloaded id is noted, those are loaded in one round trip, and the batch runs
 * again. `apply` is pure, so the last run is exactly `applyAll` over the stored documents; most
 * batches need two runs, and loaded documents stay cached for the next batch.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { Envelope } from "../handling/EventCodec.js"
import { StoreError } from "../store/StoreError.js"
import * as IndexKey from "../projection/IndexKey.js"
import type { Projection } from "../projection/Projection.js"
import type { StoredChange } from "../projection/ProjectionStore.js"

/** Documents known to a runner: a document, or `null` when the store has none with that id. */
export type Known<D> = Map<string, D | null>

/** Decodes stored documents of a projection; a document that does not decode is a `StoreError`. */
export const decoder = <D, I>(projection: Projection<D, I>) => {
  const decode = Schema.decodeUnknownEither(projection.document)
  return (id: string, stored: unknown): Either.Either<D, StoreError> =>
    Either.mapLeft(
      decode(stored),
      (error) =>
        new StoreError({
          method: "Projections.decode",
          cause: new Error(
            `document ${id} of ${projection.name} does not match its schema: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
          )
        })
    )
}

/**
 * Runs the envelopes through `apply`, loading what it reads with `load` (into `known`, which the
 * caller may keep between batches). Returns each changed document's final form (undefined: deleted).
 */
export const applyBatch = <D, I, E>(
  projection: Projection<D, I>,
  envelopes: ReadonlyArray<Envelope>,
  known: Known<D>,
  load: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, D>, E>
): Effect.Effect<Map<string, D | undefined>, E> =>
  Effect.suspend(() => {
    const misses = new Set<string>()
    const changed = new Map<string, D | undefined>()
    const documents = {
      get: (id: string): D | undefined => {
        if (changed.has(id)) return changed.get(id)
        const document = known.get(id)
        if (document === undefined) {
          misses.add(id)
          return undefined
        }
        return document ?? undefined
      }
    }
    for (const envelope of envelopes) {
      if (!projection.handles.has(envelope.event._tag)) continue
      for (const change of projection.apply(envelope, documents)) {
        changed.set(change.id, change._tag === "Put" ? change.document : undefined)
      }
    }
    if (misses.size === 0) return Effect.succeed(changed)
    const ids = [...misses]
    return Effect.flatMap(load(ids), (loaded) => {
      for (const id of ids) known.set(id, loaded.get(id) ?? null)
      return applyBatch(projection, envelopes, known, load)
    })
  })

/**
 * The stored form of changes: each document encoded through its schema, with its index keys. The
 * caller's `known` is updated to the new documents, so the next batch starts from them.
 */
export const toStored = <D, I>(
  projection: Projection<D, I>,
  changed: ReadonlyMap<string, D | undefined>,
  known: Known<D>
): Either.Either<ReadonlyArray<StoredChange>, StoreError> => {
  const encode = Schema.encodeEither(projection.document)
  const indexes = Object.entries(projection.indexes)
  const stored: Array<StoredChange> = []
  for (const [id, document] of changed) {
    known.set(id, document ?? null)
    if (document === undefined) {
      stored.push({ id, document: undefined, keys: [] })
      continue
    }
    const encoded = encode(document)
    if (Either.isLeft(encoded)) {
      return Either.left(
        new StoreError({
          method: "Projections.apply",
          cause: new Error(
            `${projection.name} produced document ${id} that its schema refuses: ${ParseResult.TreeFormatter.formatErrorSync(encoded.left)}`
          )
        })
      )
    }
    const keys: Array<{ index: string; key: string }> = []
    for (const [index, keyOf] of indexes) {
      for (const key of IndexKey.keysOf(keyOf(document, id))) keys.push({ index, key: IndexKey.encode(key) })
    }
    stored.push({ id, document: encoded.right, keys })
  }
  return Either.right(stored)
}

/** A batch's stored changes: `applyBatch`, then `toStored` (with `known` brought up to date). */
export const storedChanges = <D, I, E>(
  projection: Projection<D, I>,
  envelopes: ReadonlyArray<Envelope>,
  known: Known<D>,
  load: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, D>, E>
): Effect.Effect<ReadonlyArray<StoredChange>, E | StoreError> =>
  Effect.flatMap(applyBatch(projection, envelopes, known, load), (changed) => toStored(projection, changed, known))
