/**
 * The append hook that applies inline projections in the append's transaction, and the gate that
 * lets a builder switch an inline generation live while no append runs.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Codec from "../handling/EventCodec.js"
import type { Options } from "../projection/Projections.js"
import { ProjectionStore } from "../projection/ProjectionStore.js"
import { AppendHook } from "../store/AppendHook.js"
import type { RecordedEvent } from "../store/RecordedEvent.js"
import { StoreError } from "../store/StoreError.js"
import * as Apply from "./Apply.js"
import { customFailed, decodeRecords, isCustom, loader, reads, registrations } from "./Registry.js"

/**
 * The append hook that applies inline projections in the append's transaction. Provide it to the event
 * store's layer (`layerWith` does). Each live inline generation is updated; one still being built is
 * left to its builder, which switches it live in an exclusive section that no append overlaps.
 */
const makeHook = (options: Options) =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore
    const inline = (yield* registrations(options)).filter((r) => r.inline)
    const codec = Codec.makeDecoder(options.upcasters)
    // In memory, appends share it and the switch to live takes all of it; SQL stores lock in the database.
    const permits = Number.MAX_SAFE_INTEGER
    const gate = yield* Effect.makeSemaphore(permits)
    /**
     * Two phases: every projection's changes are computed first (where a bug in `apply` would throw),
     * then written. On SQL both run in the append's transaction; in memory, which has none, nothing is
     * written unless every document projection's changes could be computed.
     */
    const afterWrite = (records: ReadonlyArray<RecordedEvent>) =>
      Effect.gen(function* () {
        const writes: Array<Effect.Effect<void, StoreError>> = []
        const concerned = inline.filter(({ projection }) => records.some((r) => reads(projection, r.type)))
        if (concerned.length === 0) return
        // One round trip for the served generations of every projection this append concerns.
        const served = yield* store.servedAll(concerned.map(({ projection }) => projection.name))
        for (const { projection } of concerned) {
          const generation = served.get(projection.name)
          if (generation === undefined || generation.state !== "live" || !generation.inline) continue
          if (generation.version !== projection.version) continue
          const envelopes = decodeRecords(codec.decodeRecord, projection, records)
          if (Either.isLeft(envelopes)) {
            return yield* new StoreError({ method: "Projections.inline", cause: envelopes.left })
          }
          if (isCustom(projection)) {
            writes.push(
              projection
                .apply(envelopes.right, generation.generation)
                .pipe(Effect.mapError(customFailed(projection, "Projections.inline")))
            )
            continue
          }
          const stored = yield* Apply.storedChanges(
            projection,
            envelopes.right,
            new Map(),
            loader(store, generation, projection, true)
          )
          writes.push(
            store
              .commit(generation, stored)
              .pipe(
                Effect.catchTag("CheckpointConflict", (cause) =>
                  Effect.fail(new StoreError({ method: "Projections.inline", cause }))
                )
              )
          )
        }
        for (const write of writes) yield* write
      })
    return {
      hook: AppendHook.of({ afterWrite, guard: (append) => gate.withPermits(1)(append) }),
      exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>) => gate.withPermits(permits)(effect)
    }
  })

/** The in-memory gate: appends take one permit each, a switch to live takes them all. */
export class Gate extends Context.Tag("@stint/core/Projections/Gate")<
  Gate,
  { readonly exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> }
>() {}

/** The append hook (and the in-memory gate the runners share with it). */
export const layer = (options: Options): Layer.Layer<AppendHook | Gate, never, ProjectionStore> =>
  Layer.effectContext(
    Effect.map(makeHook(options), ({ exclusive, hook }) =>
      Context.make(AppendHook, hook).pipe(Context.add(Gate, { exclusive }))
    )
  )
