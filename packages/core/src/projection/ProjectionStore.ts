/**
 * The projection store port: where projections keep their documents, their indexes and how far they
 * have read the log. Every build of a projection is a *generation* with storage of its own, so a
 * rebuild writes beside the generation that keeps serving reads, and switches over in one step.
 * Documents cross this port in their encoded (JSON) form; `Projections` encodes and decodes them.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Checkpoint } from "../store/Checkpoint.js"
import type { CheckpointConflict } from "../store/CheckpointStore.js"
import type { StoreError } from "../store/StoreError.js"
import type { IndexKey } from "./IndexKey.js"

/** One build of a projection: its storage is `name` at `generation`. */
export interface Target {
  readonly name: string
  readonly generation: number
}

/** Where a generation is in its life. */
export const Lifecycle = Schema.Literal("building", "live", "retired")
export type Lifecycle = typeof Lifecycle.Type

/** A generation as the registry keeps it. */
export interface Generation extends Target {
  /** The projection version it was built with. */
  readonly version: number
  /** Inline generations are updated by appends once live; async ones by a runner. */
  readonly inline: boolean
  readonly state: Lifecycle
  /** The last event applied (async and while building; inline generations stop moving it when live). */
  readonly checkpoint: Checkpoint
  /** How many events of the log it has read. */
  readonly eventsDone: number
}

/** A document's new form (undefined: deleted) with the encoded keys of each of its indexes. */
export interface StoredChange {
  readonly id: string
  readonly document: unknown
  readonly keys: ReadonlyArray<{ readonly index: string; readonly key: string }>
}

/** A page of `list`: documents in index order, and the cursor of the next page (if there is one). */
export interface Page<D> {
  readonly items: ReadonlyArray<{ readonly id: string; readonly document: D }>
  readonly next: string | undefined
}

/**
 * A `list` query. Documents are listed by one of the projection's indexes (by id when none is named),
 * filtered on a prefix of the key, optionally bounded on the component after the prefix, ordered by
 * the rest of the key and then id. Every store answers it from an index, never by scanning documents.
 */
export interface ListQuery {
  readonly index?: string
  readonly prefix?: IndexKey
  /** Bounds on the key component right after the prefix: `gte` inclusive, `lt` exclusive. */
  readonly range?: { readonly gte?: string | number; readonly lt?: string | number }
  readonly direction?: "asc" | "desc"
  /** At most this many (default 50, at most 1000). */
  readonly limit?: number
  /** The `next` of the previous page. */
  readonly cursor?: string
}

/** A list query with its key bounds encoded (see `IndexKey`). */
export interface EncodedQuery {
  /** `undefined` lists by id. */
  readonly index: string | undefined
  /** Keys `>= low` and `< high` (ids when listing by id). */
  readonly low: string
  readonly high: string
  readonly direction: "asc" | "desc"
  readonly limit: number
  /** Resume after this `(key, id)`. */
  readonly after: { readonly key: string; readonly id: string } | undefined
}

/** A query the store cannot answer: an unknown index, a malformed cursor, a bad limit. */
export class InvalidQuery extends Schema.TaggedError<InvalidQuery>()("InvalidQuery", {
  projection: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot list ${this.projection}: ${this.reason}`
  }
}

/** A stored page: encoded documents with the `(key, id)` each was listed under. */
export interface StoredPage {
  readonly items: ReadonlyArray<{ readonly id: string; readonly key: string; readonly document: unknown }>
}

export interface ProjectionStoreShape {
  /** Every generation the registry knows of `name`, oldest first. */
  readonly generations: (name: string) => Effect.Effect<ReadonlyArray<Generation>, StoreError>
  /** Starts a new generation of `name` (empty storage, `building`, at the start of the log). */
  readonly create: (
    name: string,
    options: { readonly version: number; readonly inline: boolean }
  ) => Effect.Effect<Generation, StoreError>
  /** The served generation of `name`: the live one, else the newest being built. */
  readonly served: (name: string) => Effect.Effect<Generation | undefined, StoreError>
  /** `served` for several projections at once (those without a generation are missing from the map). */
  readonly servedAll: (names: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Generation>, StoreError>
  /** Documents by id (absent ids are missing from the map). `lock` serialises concurrent inline writers. */
  readonly getMany: (
    target: Target,
    ids: ReadonlyArray<string>,
    options?: { readonly lock?: boolean }
  ) => Effect.Effect<ReadonlyMap<string, unknown>, StoreError>
  /** One page of documents of a generation. */
  readonly list: (target: Target, query: EncodedQuery) => Effect.Effect<StoredPage, StoreError>
  /**
   * Writes changes, and (for runners) moves the checkpoint from where the runner read it, counting the
   * events read, and runs `within`, all in one transaction. Refused with `CheckpointConflict`, writing nothing, when the
   * checkpoint had moved: another runner applied those events.
   */
  readonly commit: (
    target: Target,
    changes: ReadonlyArray<StoredChange>,
    move?: { readonly from: Checkpoint; readonly to: Checkpoint; readonly events: number },
    /** Runs in the same transaction, after the checkpoint moved (a custom projection's writes). */
    within?: Effect.Effect<void, StoreError>
  ) => Effect.Effect<void, CheckpointConflict | StoreError>
  /**
   * Makes `target` the live generation; the others are retired and their documents dropped. Nothing
   * changes when `target` is live already. Refused with `CheckpointConflict`, changing nothing, when
   * `target` was retired meanwhile (a rival builder's generation went live and dropped its documents):
   * a retired generation never serves again.
   */
  readonly promote: (target: Target) => Effect.Effect<void, CheckpointConflict | StoreError>
  /**
   * Runs `effect` while no append can run (the switch of an inline projection to live: its final
   * catch-up and promotion must not miss an append that skipped it).
   */
  readonly exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
  /**
   * Holds the right to run the projection `name` for as long as the scope is open, if no one else
   * holds it (PostgreSQL: a session advisory lock, released if the process dies). False when taken.
   */
  readonly lease: (name: string) => Effect.Effect<boolean, StoreError, Scope.Scope>
}

/** Projection storage. Provide `MemoryProjectionStore.layer`, or `@stint/sql`'s `SqlProjectionStore.layer`. */
export class ProjectionStore extends Context.Tag("@stint/core/ProjectionStore")<
  ProjectionStore,
  ProjectionStoreShape
>() {}
