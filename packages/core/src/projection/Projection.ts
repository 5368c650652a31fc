/**
 * A projection is a value: a name, a version, the event types it handles, the schema of its
 * documents, and a pure `apply` that turns one event into changes to documents keyed by id. The same
 * value runs unchanged inline, async, in memory and on SQL; runners only decide *when* events are
 * applied and *where* the documents live. `applyAll` is the reference semantics every runner keeps.
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { DomainEvent, Envelope } from "../handling/EventCodec.js"
import type { IndexKey } from "./IndexKey.js"

/** The tag of a domain event (`"SessionHeld"`): what a projection may handle. */
export type EventTag = DomainEvent["_tag"]

/** The domain events of the given tags. */
export type EventOf<T extends EventTag> = Extract<DomainEvent, { readonly _tag: T }>

/** A change to one document: replace it whole, or remove it. */
export type Change<D> = Data.TaggedEnum<{
  Put: { readonly id: string; readonly document: D }
  Delete: { readonly id: string }
}>

interface ChangeDefinition extends Data.TaggedEnum.WithGenerics<1> {
  readonly taggedEnum: Change<this["A"]>
}

const change = Data.taggedEnum<ChangeDefinition>()

/** Replace (or create) the document `id`. */
export const put = <D>(id: string, document: D): Change<D> => change.Put({ id, document })
/** Remove the document `id` (nothing happens when there is none). */
export const remove = <D>(id: string): Change<D> => change.Delete({ id })

/** What `apply` may read: the documents as they are before the event (and after earlier ones). */
export interface Documents<D> {
  readonly get: (id: string) => D | undefined
}

/**
 * An index: the key a document is listed under (`[mentorId, expiresAt]`), several keys (a mentor under
 * each of their areas: `areas.map((a) => [a])`), or undefined to leave it out (a partial index).
 * Listing filters on a prefix of the key and orders by the rest, so `[mentorId, expiresAt]` serves
 * "one mentor's documents by expiry". Every store keeps indexes in the same order (see `IndexKey`).
 */
export type Index<D> = (document: D, id: string) => IndexKey | ReadonlyArray<IndexKey> | undefined

/**
 * A projection's definition. `D` is the document type, `I` its stored (JSON) form, `Ix` the names of
 * its indexes (inferred by `make`, so that a query on an index it lacks fails to compile).
 */
export interface Projection<D, I = D, Ix extends string = string> {
  /** Unique among the projections of one store: lower-case letters, digits and `-`. */
  readonly name: string
  /** Raise it when `apply` or the document shape changes: the projection is rebuilt from the log. */
  readonly version: number
  /** The event types (`_tag`s) it reads; other events never reach `apply`. */
  readonly handles: ReadonlySet<EventTag>
  /** How a document is stored and read back (must encode to JSON). */
  readonly document: Schema.Schema<D, I>
  /** Pure: the changes one event makes. Never reads a clock or does I/O; time comes from the event. */
  readonly apply: (envelope: Envelope, documents: Documents<D>) => ReadonlyArray<Change<D>>
  /** Named indexes the store maintains with every change, for `list` queries. */
  readonly indexes: Readonly<Record<Ix, Index<D>>>
}

/**
 * A projection that keeps its own storage (on SQL, the host's tables) and is written by effects that
 * run inside the transaction which moves its checkpoint, so its writes commit with it exactly once.
 * Build one with `@stint/sql`'s `SqlProjection.make`. Each generation gets a number: a host that keeps
 * a generation's rows apart (a `generation` column, or a table per generation) gets rebuilds beside
 * the serving data, as document projections do.
 */
export interface Custom {
  readonly _tag: "Custom"
  readonly name: string
  readonly version: number
  readonly handles: ReadonlySet<string>
  /** Applies a batch of events, in order, to the generation, inside the projection's transaction. */
  readonly apply: (envelopes: ReadonlyArray<Envelope>, generation: number) => Effect.Effect<void, unknown>
  /** Runs when a generation starts building (create its tables, clear leftovers). */
  readonly prepare: (generation: number) => Effect.Effect<void, unknown>
  /** Runs when a generation is replaced by a newer one (drop or delete its rows). */
  readonly retire: (generation: number) => Effect.Effect<void, unknown>
}

/** Why a projection definition is refused. */
export class InvalidProjection extends Data.TaggedError("InvalidProjection")<{
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `projection ${JSON.stringify(this.name)}: ${this.reason}`
  }
}

const checkNameAndVersion = (name: string, version: number): void => {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new InvalidProjection({
      name,
      reason: "the name must be lower-case letters, digits and -, starting with a letter, at most 63 characters"
    })
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new InvalidProjection({ name, reason: "the version must be a positive integer" })
  }
}

/** Defines a projection with storage of its own (see `Custom`), checking its name and version. */
export const custom = (
  definition: Omit<Custom, "_tag" | "handles"> & { readonly handles: Iterable<string> }
): Custom => {
  checkNameAndVersion(definition.name, definition.version)
  return { ...definition, _tag: "Custom", handles: new Set(definition.handles) }
}

/**
 * Defines a projection, checking its name, version and index names. `handles` takes only tags of the
 * domain's events, and `apply` receives only the events it names; the index names are inferred from
 * `indexes`, so `Projections.list` accepts only those.
 */
export const make = <D, I, const T extends EventTag, Ix extends string = never>(definition: {
  readonly name: string
  readonly version: number
  readonly handles: Iterable<T>
  readonly document: Schema.Schema<D, I>
  readonly apply: (envelope: Envelope<EventOf<T>>, documents: Documents<D>) => ReadonlyArray<Change<D>>
  readonly indexes?: { readonly [K in Ix]: Index<D> }
}): Projection<D, I, Ix> => {
  checkNameAndVersion(definition.name, definition.version)
  const indexes: Readonly<Record<Ix, Index<D>>> = definition.indexes ?? ({} as Record<Ix, Index<D>>)
  for (const index of Object.keys(indexes)) {
    if (!/^[a-z][a-zA-Z0-9]{0,62}$/.test(index)) {
      throw new InvalidProjection({
        name: definition.name,
        reason: `index ${JSON.stringify(index)}: index names are letters and digits, starting lower-case`
      })
    }
  }
  const handles: ReadonlySet<EventTag> = new Set(definition.handles)
  const isHandled = (envelope: Envelope): envelope is Envelope<EventOf<T>> => handles.has(envelope.event._tag)
  return {
    name: definition.name,
    version: definition.version,
    handles,
    document: definition.document,
    // Runners pass only handled events; the guard keeps a direct caller from breaking `apply`'s type.
    apply: (envelope, documents) => (isHandled(envelope) ? definition.apply(envelope, documents) : []),
    indexes
  }
}

/** Whether the projection reads this event. */
export const handles = <D, I>(projection: Projection<D, I>, envelope: Envelope): boolean =>
  projection.handles.has(envelope.event._tag)

/**
 * Applies events in order to a set of documents, each event seeing the changes of the ones before:
 * the meaning of a projection, which inline and async runners, in memory and on SQL, all reproduce.
 * Returns a new map; the input is not changed.
 */
export const applyAll = <D, I>(
  projection: Projection<D, I>,
  documents: ReadonlyMap<string, D>,
  envelopes: Iterable<Envelope>
): Map<string, D> => {
  const next = new Map(documents)
  const view: Documents<D> = { get: (id) => next.get(id) }
  for (const envelope of envelopes) {
    if (!handles(projection, envelope)) continue
    for (const c of projection.apply(envelope, view)) {
      if (c._tag === "Put") next.set(c.id, c.document)
      else next.delete(c.id)
    }
  }
  return next
}
