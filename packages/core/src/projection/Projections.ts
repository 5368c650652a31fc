/**
 * Running projections and reading their documents. Register each projection as **inline** (updated
 * inside every append's transaction: read-your-writes) or **async** (a runner follows the global log
 * and commits documents with its checkpoint, exactly once). A projection whose version is new gets a
 * fresh generation, built from the log beside the one still serving reads, and switched to once it
 * has caught up; `rebuild` does the same on demand. On PostgreSQL each async projection runs in one
 * process at a time (a lease); the checkpoint's compare-and-set makes any overlap harmless anyway.
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Codec from "../handling/EventCodec.js"
import * as InlineHook from "../internal/InlineHook.js"
import * as QueryEncoding from "../internal/QueryEncoding.js"
import * as Runner from "../internal/Runner.js"
import type { AppendHook } from "../store/AppendHook.js"
import type { Actor } from "../store/Actor.js"
import type { EventStore } from "../store/EventStore.js"
import type { InvalidStoreData, StoreError } from "../store/StoreError.js"
import type { Custom, Projection } from "./Projection.js"
import type { NewerVersionDeployed, UnknownProjection } from "./ProjectionErrors.js"
import type { ReadModel } from "./ReadModel.js"
import type { EncodedQuery, Generation, InvalidQuery, ListQuery, Page, ProjectionStore } from "./ProjectionStore.js"

// biome-ignore lint/suspicious/noExplicitAny: a registry holds projections of every document type
export type AnyProjection = Projection<any, any, any>

/**
 * A `list` query on a projection whose index names are `Ix`: naming an index the projection lacks
 * fails to compile (see `ListQuery` for the fields).
 */
export type Query<Ix extends string = string> = Omit<ListQuery, "index"> & { readonly index?: Ix }

/** What can be registered: a document projection, or a custom one with storage of its own. */
export type Registrable = AnyProjection | Custom

/** How projections run. */
export interface Options {
  /** Updated in the append's transaction. */
  readonly inline?: ReadonlyArray<Registrable>
  /** Followed from the global log by a runner. */
  readonly async?: ReadonlyArray<Registrable>
  /** Events per runner transaction (default 500). */
  readonly batchSize?: number
  /**
   * How long a caught-up runner waits before reading on (default 20 milliseconds): the most an async
   * read model trails a quiet log, and what lets a busy one apply many appends per transaction.
   */
  readonly followInterval?: Duration.DurationInput
  /** How often a runner that could not take a projection's lease tries again (default 5 seconds). */
  readonly leaseRetry?: Duration.DurationInput
  /** Start the runners with the layer (default true). Tests turn it off and call `catchUp`. */
  readonly run?: boolean
  readonly upcasters?: ReadonlyArray<Codec.Upcaster>
}

/** Where a projection is: the generation serving reads, and the one being built (during a rebuild). */
export interface Status {
  readonly name: string
  readonly version: number
  readonly inline: boolean
  readonly serving: GenerationStatus | undefined
  readonly building: GenerationStatus | undefined
}

export interface GenerationStatus {
  readonly generation: number
  readonly version: number
  /** `building` until it first catches up; then `live`. */
  readonly state: Generation["state"]
  readonly checkpoint: string
  /** Events of the log read so far. */
  readonly eventsDone: number
  /**
   * `eventsDone` plus the events after its checkpoint (exact on SQLite and memory, close on
   * PostgreSQL). For a live inline generation, `eventsDone`: the appends keep it current.
   */
  readonly eventsTotal: number
}

/** A rebuild's progress, reported after every batch. */
export interface Progress {
  readonly name: string
  readonly generation: number
  readonly eventsDone: number
  readonly eventsTotal: number
}
export { NewerVersionDeployed, UnknownProjection } from "./ProjectionErrors.js"

type RunError = StoreError | InvalidStoreData

/** The `Projections` service: reading documents, the projections' status, rebuilds and catch-ups. */
export interface ProjectionsShape {
  /** The names of the projections registered here. */
  readonly registered: ReadonlyArray<string>
  /** A document by id, from the generation serving reads. */
  readonly get: <D, I>(projection: Projection<D, I>, id: string) => Effect.Effect<Option.Option<D>, StoreError>
  /** A page of documents in an index's order (see `ListQuery`). */
  readonly list: <D, I, Ix extends string>(
    projection: Projection<D, I, Ix>,
    query?: Query<NoInfer<Ix>>
  ) => Effect.Effect<Page<D>, InvalidQuery | StoreError>
  /**
   * What `viewer` may see of a read model's document for `key` (a mentor's id, an engagement's id):
   * none when there is no document or the viewer may not see it. Serve read models through this.
   */
  readonly view: <D, I, V, Ix extends string>(
    readModel: ReadModel<D, I, V, Ix>,
    key: string,
    viewer: Actor
  ) => Effect.Effect<Option.Option<V>, StoreError>
  /** A page of `list`, each document as `viewer` may see it (the ones they may not see are left out). */
  readonly listView: <D, I, V, Ix extends string>(
    readModel: ReadModel<D, I, V, Ix>,
    query: Query<NoInfer<Ix>>,
    viewer: Actor
  ) => Effect.Effect<Page<V>, InvalidQuery | StoreError>
  /** Every registered projection's generations and progress. */
  readonly status: Effect.Effect<ReadonlyArray<Status>, StoreError>
  /**
   * Builds a new generation of `name` from the whole log and switches reads to it once it has caught
   * up; the current generation serves reads until then. Reports progress after every batch.
   */
  readonly rebuild: (
    name: string,
    options?: { readonly onProgress?: (progress: Progress) => Effect.Effect<void> }
  ) => Effect.Effect<void, UnknownProjection | NewerVersionDeployed | RunError>
  /**
   * Brings every async projection (or the one named) up to the head of the log, and builds any
   * generation a new version needs. What the runners do, in the caller's fiber: for tests and tools.
   */
  readonly catchUp: (name?: string) => Effect.Effect<void, UnknownProjection | RunError>
}

/** The registered projections, with their runners started by the layer. */
export class Projections extends Context.Tag("@stint/core/Projections")<Projections, ProjectionsShape>() {}

/** Encodes a list query's bounds (see `IndexKey`), refusing what the store could not answer. */
export const encodeQuery: (projection: AnyProjection, query: ListQuery) => Either.Either<EncodedQuery, InvalidQuery> =
  QueryEncoding.encodeQuery

/**
 * The append hook that applies inline projections in the append's transaction. Provide it to the event
 * store's layer (`layerWith` does). Each live inline generation is updated; one still being built is
 * left to its builder, which switches it live in an exclusive section that no append overlaps.
 */
export const layerHook = (options: Options): Layer.Layer<AppendHook | InlineHook.Gate, never, ProjectionStore> =>
  InlineHook.layer(options)

/**
 * Projections over the provided stores. Async projections only; for inline ones build the event store
 * with `layerWith`, which installs the append hook.
 */
export const layer = (options: Options): Layer.Layer<Projections, never, ProjectionStore | EventStore> =>
  Layer.scoped(Projections, Runner.make(options))

/**
 * Projections with an event store built around their append hook: pass the event store's layer
 * (`MemoryEventStore.layerMemory`, or `SqlEventStore.layer()` from `@stint/sql`).
 */
export const layerWith = <E, R>(
  options: Options,
  eventStore: Layer.Layer<EventStore, E, R>
): Layer.Layer<Projections | EventStore, E, ProjectionStore | R> => {
  // Without inline projections there is nothing to hook: appends keep their plain, faster path.
  const store: Layer.Layer<EventStore, E, ProjectionStore | R> =
    (options.inline ?? []).length === 0 ? eventStore : eventStore.pipe(Layer.provideMerge(layerHook(options)))
  return Layer.scoped(Projections, Runner.make(options)).pipe(Layer.provideMerge(store))
}
