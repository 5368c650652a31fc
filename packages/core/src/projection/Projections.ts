/**
 * Running projections and reading their documents. Register each projection as **inline** (updated
 * inside every append's transaction: read-your-writes) or **async** (a runner follows the global log
 * and commits documents with its checkpoint, exactly once). A projection whose version is new gets a
 * fresh generation, built from the log beside the one still serving reads, and switched to once it
 * has caught up; `rebuild` does the same on demand. On PostgreSQL each async projection runs in one
 * process at a time (a lease); the checkpoint's compare-and-set makes any overlap harmless anyway.
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Codec from "../handling/EventCodec.js"
import { AppendHook } from "../store/AppendHook.js"
import * as Checkpoint from "../store/Checkpoint.js"
import type { CheckpointConflict } from "../store/CheckpointStore.js"
import { EventStore } from "../store/EventStore.js"
import type { RecordedEvent } from "../store/RecordedEvent.js"
import { type InvalidStoreData, StoreError } from "../store/StoreError.js"
import * as Apply from "../internal/Apply.js"
import * as IndexKey from "./IndexKey.js"
import { type Custom, InvalidProjection, type Projection } from "./Projection.js"
import type { ReadModel } from "./ReadModel.js"
import type { Actor } from "../domain/Actor.js"
import {
  type EncodedQuery,
  type Generation,
  InvalidQuery,
  type ListQuery,
  type Page,
  ProjectionStore,
  type ProjectionStoreShape,
  type Target
} from "./ProjectionStore.js"

// biome-ignore lint/suspicious/noExplicitAny: a registry holds projections of every document type
export type AnyProjection = Projection<any, any, any>

/**
 * A `list` query on a projection whose index names are `Ix`: naming an index the projection lacks
 * fails to compile (see `ListQuery` for the fields).
 */
export type Query<Ix extends string = string> = Omit<ListQuery, "index"> & { readonly index?: Ix }

/** What can be registered: a document projection, or a custom one with storage of its own. */
export type Registrable = AnyProjection | Custom

const isCustom = (p: Registrable): p is Custom => (p as Custom)._tag === "Custom"

/** Whether a projection reads events of this type (a stored record's `type`). */
const reads = (p: Registrable, type: string): boolean => {
  const handles: ReadonlySet<string> = p.handles
  return handles.has(type)
}

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

/** The projection is not registered with this `Projections`. */
export class UnknownProjection extends Schema.TaggedError<UnknownProjection>()("UnknownProjection", {
  name: Schema.String
}) {
  override get message(): string {
    return `no projection named ${JSON.stringify(this.name)} is registered`
  }
}

/**
 * A rebuild asked of a process whose definition is older than the one deployed: building it would
 * switch every reader back to the old version (the runners of an older process stand aside too).
 */
export class NewerVersionDeployed extends Schema.TaggedError<NewerVersionDeployed>()("NewerVersionDeployed", {
  name: Schema.String,
  deployed: Schema.Int,
  registered: Schema.Int
}) {
  override get message(): string {
    return `projection ${JSON.stringify(this.name)}: version ${this.deployed} is deployed, this process registers version ${this.registered}; rebuild it from a process running version ${this.deployed}`
  }
}

type RunError = StoreError | InvalidStoreData

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

export class Projections extends Context.Tag("@stint/core/Projections")<Projections, ProjectionsShape>() {}

interface Registered {
  readonly projection: Registrable
  readonly inline: boolean
}

/** The newest version deployed: of the generations not retired (0 when there are none). */
const deployedVersion = (generations: ReadonlyArray<Generation>): number =>
  Math.max(0, ...generations.filter((g) => g.state !== "retired").map((g) => g.version))

/**
 * Retries an effect that lost a checkpoint race to another runner or builder (the next attempt starts
 * from where it is now); after 100 losses the conflict is a `StoreError` of `method`.
 */
const retryingConflicts =
  (method: string) =>
  <A, E, R>(self: Effect.Effect<A, E | CheckpointConflict, R>): Effect.Effect<A, E | StoreError, R> =>
    self.pipe(
      Effect.retry({ while: (e) => Predicate.isTagged(e, "CheckpointConflict"), times: 100 }),
      Effect.catchIf(
        (e): e is CheckpointConflict => Predicate.isTagged(e, "CheckpointConflict"),
        (cause) => Effect.fail(new StoreError({ method, cause }))
      )
    )

/**
 * The projections of `options`, each once. A name registered twice is a mistake in the host's wiring,
 * not a condition to handle: the layer dies with `InvalidProjection` (a defect, as before, but typed).
 */
const registrations = (options: Options): Effect.Effect<ReadonlyArray<Registered>> => {
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

/**
 * Lets the event loop run between batches. A synchronous driver (SQLite) never does otherwise, and a
 * rebuild would hold up every timer and request of the host until it finished.
 */
const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const schedule = globalThis.setImmediate ?? ((f: () => void) => setTimeout(f, 0))
  schedule(() => resume(Effect.void))
})

const checkpointOf = (record: RecordedEvent): Checkpoint.Checkpoint => ({
  commit: record.commit,
  position: record.position
})

/** Whether a generation was built by this definition (same version, same mode). */
const matches = (generation: Generation, registered: Registered): boolean =>
  generation.version === registered.projection.version && generation.inline === registered.inline

const decodeRecords = (
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
const loader =
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
const customFailed = (projection: Custom, method: string) => (cause: unknown) =>
  new StoreError({ method, cause: cause instanceof Error ? cause : new Error(`${projection.name}: ${String(cause)}`) })

/** Encodes a list query's bounds (see `IndexKey`), refusing what the store could not answer. */
export const encodeQuery = (projection: AnyProjection, query: ListQuery): Either.Either<EncodedQuery, InvalidQuery> => {
  const invalid = (reason: string) => Either.left(new InvalidQuery({ projection: projection.name, reason }))
  const limit = query.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return invalid("limit must be an integer from 1 to 1000")
  const direction = query.direction ?? "asc"
  let after: EncodedQuery["after"]
  if (query.cursor !== undefined) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(query.cursor, "base64url").toString("utf8"))
      if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((x) => typeof x === "string")) throw 0
      after = { key: parsed[0], id: parsed[1] }
    } catch {
      return invalid("the cursor is not one this store returned")
    }
  }
  const components = [...(query.prefix ?? []), query.range?.gte, query.range?.lt]
  for (const c of components) {
    if (c !== undefined && typeof c !== "string" && !(typeof c === "number" && Number.isFinite(c))) {
      return invalid("key components are strings and finite numbers")
    }
  }
  if (query.index === undefined) {
    // Listed by id: the key is the id itself, and only a range of ids applies.
    if ((query.prefix ?? []).length > 0) return invalid("a prefix needs an index; without one documents list by id")
    const { gte, lt } = query.range ?? {}
    if ((gte !== undefined && typeof gte !== "string") || (lt !== undefined && typeof lt !== "string")) {
      return invalid("ids are strings")
    }
    return Either.right({ index: undefined, low: gte ?? "", high: lt ?? "\u{10FFFF}", direction, limit, after })
  }
  if (!Object.hasOwn(projection.indexes, query.index)) {
    const known = Object.keys(projection.indexes)
    return invalid(
      `it has no index ${JSON.stringify(query.index)}${known.length ? ` (its indexes: ${known.join(", ")})` : ""}`
    )
  }
  const prefix = IndexKey.encode(query.prefix ?? [])
  const { gte, lt } = query.range ?? {}
  return Either.right({
    index: query.index,
    low: gte === undefined ? prefix : prefix + IndexKey.encodeComponent(gte),
    high: lt === undefined ? IndexKey.upperBound(prefix) : prefix + IndexKey.encodeComponent(lt),
    direction,
    limit,
    after
  })
}

const encodeCursor = (key: string, id: string): string =>
  Buffer.from(JSON.stringify([key, id]), "utf8").toString("base64url")

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

class Gate extends Context.Tag("@stint/core/Projections/Gate")<
  Gate,
  { readonly exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> }
>() {}

/** The append hook (and the in-memory gate the runners share with it). */
export const layerHook = (options: Options): Layer.Layer<AppendHook | Gate, never, ProjectionStore> =>
  Layer.effectContext(
    Effect.map(makeHook(options), ({ exclusive, hook }) =>
      Context.make(AppendHook, hook).pipe(Context.add(Gate, { exclusive }))
    )
  )

const make = (options: Options) =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore
    const events = yield* EventStore
    const gate = yield* Effect.serviceOption(Gate)
    const exclusive = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      store.exclusive(Option.isSome(gate) ? gate.value.exclusive(effect) : effect)
    const registered = yield* registrations(options)
    if (registered.some((r) => r.inline) && Option.isNone(gate)) {
      return yield* Effect.dieMessage(
        "inline projections need the append hook: build the store with Projections.layerWith"
      )
    }
    const byName = new Map(registered.map((r) => [r.projection.name, r]))
    const batchSize = options.batchSize ?? 500
    const followInterval = Duration.decode(options.followInterval ?? "20 millis")
    const codec = Codec.makeDecoder(options.upcasters)

    const find = (name: string) => {
      const r = byName.get(name)
      return r === undefined ? Effect.fail(new UnknownProjection({ name })) : Effect.succeed(r)
    }

    const totalOf = (generation: Generation) =>
      Effect.map(events.head, (head) => {
        const ahead = head.position - generation.checkpoint.position
        return generation.eventsDone + Number(ahead > 0n ? ahead : 0n)
      })

    /** A new generation (a custom projection prepares its storage for it). */
    const create = (r: Registered) =>
      Effect.gen(function* () {
        const { projection } = r
        const generation = yield* store.create(projection.name, { version: projection.version, inline: r.inline })
        if (isCustom(projection)) {
          yield* projection
            .prepare(generation.generation)
            .pipe(Effect.mapError(customFailed(projection, "Projections.prepare")))
        }
        return generation
      })

    /** Makes a generation live; a custom projection then retires the generations it replaced. */
    const promote = (r: Registered, generation: Generation) =>
      Effect.gen(function* () {
        const { projection } = r
        const replaced = (yield* store.generations(projection.name)).filter(
          (g) => g.state !== "retired" && g.generation !== generation.generation
        )
        yield* store.promote(generation)
        if (isCustom(projection)) {
          for (const g of replaced) {
            yield* projection.retire(g.generation).pipe(Effect.mapError(customFailed(projection, "Projections.retire")))
          }
        }
      })

    /**
     * Applies one page of the log to a generation and moves its checkpoint, in one transaction.
     * `known` caches documents between pages; it is cleared when a commit fails.
     */
    const step = (
      r: Registered,
      target: Target,
      known: Apply.Known<unknown>,
      from: Checkpoint.Checkpoint,
      records: ReadonlyArray<RecordedEvent>
    ): Effect.Effect<Checkpoint.Checkpoint, RunError | CheckpointConflict> =>
      Effect.gen(function* () {
        const last = records[records.length - 1]
        if (last === undefined) return from
        const to = checkpointOf(last)
        const projection = r.projection
        const envelopes = decodeRecords(codec.decodeRecord, projection, records)
        if (Either.isLeft(envelopes)) return yield* envelopes.left
        const move = { from, to, events: records.length }
        if (isCustom(projection)) {
          const within = projection
            .apply(envelopes.right, target.generation)
            .pipe(Effect.mapError(customFailed(projection, "Projections.apply")))
          yield* store.commit(target, [], move, envelopes.right.length > 0 ? within : undefined)
          yield* yieldToEventLoop
          return to
        }
        const stored = yield* Apply.storedChanges(
          projection,
          envelopes.right,
          known,
          loader(store, target, projection, false)
        )
        yield* store.commit(target, stored, move)
        // Bounded: a rebuild of a large log must not keep every document in memory.
        if (known.size > 50_000) known.clear()
        yield* yieldToEventLoop
        return to
      }).pipe(Effect.tapError(() => Effect.sync(() => known.clear())))

    /** Applies the log from the generation's checkpoint up to the head; the last checkpoint. */
    const catchUpTarget = (
      r: Registered,
      generation: Generation,
      onBatch: (done: number, at: Checkpoint.Checkpoint) => Effect.Effect<void>
    ) =>
      Effect.gen(function* () {
        const known: Apply.Known<unknown> = new Map()
        let at = generation.checkpoint
        let done = generation.eventsDone
        yield* events.readAll({ from: at, batchSize }).pipe(
          Stream.chunks,
          Stream.runForEach((chunk) =>
            Effect.gen(function* () {
              const records = [...chunk]
              at = yield* step(r, generation, known, at, records)
              done += records.length
              yield* onBatch(done, at)
            })
          )
        )
        return at
      })

    /** Builds a generation up to the head, then makes it live (inline: with appends held back). */
    const build = (
      r: Registered,
      generation: Generation,
      onProgress: (progress: Progress) => Effect.Effect<void>
    ): Effect.Effect<void, RunError | CheckpointConflict> =>
      Effect.gen(function* () {
        const report = (eventsDone: number, at: Checkpoint.Checkpoint) =>
          Effect.flatMap(
            Effect.orElseSucceed(totalOf({ ...generation, checkpoint: at, eventsDone }), () => eventsDone),
            (eventsTotal) =>
              onProgress({ name: generation.name, generation: generation.generation, eventsDone, eventsTotal })
          )
        const at = yield* catchUpTarget(r, generation, report)
        if (!r.inline) return yield* promote(r, generation)
        // The last events and the switch happen while no append runs: an append that skipped this
        // generation (not live yet) is then always in the log the final catch-up reads.
        const current = (yield* store.generations(generation.name)).find((g) => g.generation === generation.generation)
        yield* exclusive(
          Effect.zipRight(
            catchUpTarget(
              r,
              { ...generation, checkpoint: at, eventsDone: current?.eventsDone ?? 0 },
              () => Effect.void
            ),
            promote(r, generation)
          )
        )
      })

    /**
     * The generation this definition should be served from: live if it matches, else one to build.
     * Undefined when a newer version is already deployed (a rolling deploy still has processes on this
     * one): building an older version would switch the fleet back and forth.
     */
    const target = (r: Registered) =>
      Effect.gen(function* () {
        const generations = yield* store.generations(r.projection.name)
        const newest = deployedVersion(generations)
        if (newest > r.projection.version) {
          yield* Effect.logWarning(
            `projection ${r.projection.name}: version ${newest} is deployed; this process (version ${r.projection.version}) leaves it to the newer ones`
          )
          return undefined
        }
        const live = generations.find((g) => g.state === "live")
        if (live !== undefined && matches(live, r)) return live
        const building = generations.filter((g) => g.state === "building" && matches(g, r)).at(-1)
        return building ?? (yield* create(r))
      })

    /** Brings one projection to the head: builds its generation if needed, applies what is new. */
    const catchUpOne = (r: Registered) =>
      Effect.gen(function* () {
        const generation = yield* target(r)
        if (generation === undefined) return
        if (generation.state === "building") return yield* build(r, generation, () => Effect.void)
        if (!r.inline) yield* catchUpTarget(r, generation, () => Effect.void)
      }).pipe(retryingConflicts("Projections.catchUp"))

    /** The runner of one projection: holds its lease, builds if needed, then follows the log. */
    const runOne = (r: Registered): Effect.Effect<never> => {
      const retry = Duration.decode(options.leaseRetry ?? "5 seconds")
      const follow = Effect.gen(function* () {
        const generation = yield* target(r)
        if (generation === undefined) return yield* Effect.sleep(retry)
        if (generation.state === "building") yield* build(r, generation, () => Effect.void)
        const live = yield* target(r)
        if (live === undefined) return yield* Effect.sleep(retry)
        if (r.inline) return yield* Effect.never // the append hook keeps it current
        const known: Apply.Known<unknown> = new Map()
        let at = live.checkpoint
        return yield* events.subscribe({ from: at, batchSize }).pipe(
          Stream.chunks,
          Stream.runForEach((chunk) =>
            Effect.flatMap(step(r, live, known, at, [...chunk]), (next) => {
              at = next
              // Caught up: wait a moment before reading on, so that under load a batch holds many
              // appends instead of each append costing every runner a transaction.
              return chunk.length < batchSize ? Effect.sleep(followInterval) : Effect.void
            })
          ),
          Effect.zipRight(Effect.never)
        )
      })
      const leased = Effect.scoped(
        Effect.flatMap(store.lease(r.projection.name), (held) =>
          held ? follow.pipe(Effect.retry({ while: (e) => e._tag === "CheckpointConflict" })) : Effect.sleep(retry)
        )
      )
      // A failure (the database went away, a defect in `apply`) is logged and the runner starts again
      // from its checkpoint after a pause: nothing was committed past the last good batch.
      return Effect.forever(
        leased.pipe(
          Effect.catchAllCause((cause) =>
            Effect.zipRight(
              Effect.logError(`projection ${r.projection.name} failed; restarting from its checkpoint`, cause),
              Effect.sleep(retry)
            )
          ),
          Effect.withSpan("Projections.run", { attributes: { "stint.projection": r.projection.name } })
        )
      )
    }

    /**
     * Reads the served generation. A switch between finding it and reading drops its documents, so an
     * empty answer from a generation that is no longer served is read again from the new one.
     */
    const readServed = <A>(
      name: string,
      read: (generation: Generation) => Effect.Effect<A, StoreError>,
      empty: (a: A) => boolean
    ): Effect.Effect<A | undefined, StoreError> =>
      Effect.gen(function* () {
        const generation = yield* store.served(name)
        if (generation === undefined) return undefined
        const first = yield* read(generation)
        if (!empty(first)) return first
        const now = yield* store.served(name)
        return now === undefined || now.generation === generation.generation ? first : yield* read(now)
      })

    const get = <D, I>(projection: Projection<D, I>, id: string) =>
      Effect.gen(function* () {
        const stored = yield* readServed(
          projection.name,
          (generation) => store.getMany(generation, [id]),
          (found) => found.size === 0
        )
        if (stored === undefined || !stored.has(id)) return Option.none<D>()
        const decoded = Apply.decoder(projection)(id, stored.get(id))
        return Either.isLeft(decoded) ? yield* decoded.left : Option.some(decoded.right)
      }).pipe(Effect.withSpan("Projections.get", { attributes: { "stint.projection": projection.name } }))

    const list = <D, I, Ix extends string>(projection: Projection<D, I, Ix>, query: Query<NoInfer<Ix>> = {}) =>
      Effect.gen(function* () {
        const encoded = encodeQuery(projection, query)
        if (Either.isLeft(encoded)) return yield* encoded.left
        const page = yield* readServed(
          projection.name,
          (generation) => store.list(generation, { ...encoded.right, limit: encoded.right.limit + 1 }),
          (found) => found.items.length === 0
        )
        if (page === undefined) return { items: [], next: undefined } satisfies Page<D>
        const decode = Apply.decoder(projection)
        const items: Array<{ readonly id: string; readonly document: D }> = []
        for (const item of page.items.slice(0, encoded.right.limit)) {
          const decoded = decode(item.id, item.document)
          if (Either.isLeft(decoded)) return yield* decoded.left
          items.push({ id: item.id, document: decoded.right })
        }
        const last = page.items[encoded.right.limit - 1]
        const next = page.items.length > encoded.right.limit && last ? encodeCursor(last.key, last.id) : undefined
        return { items, next } satisfies Page<D>
      }).pipe(Effect.withSpan("Projections.list", { attributes: { "stint.projection": projection.name } }))

    const statusOf = (generation: Generation | undefined) =>
      generation === undefined
        ? Effect.succeed(undefined)
        : Effect.map(
            // A live inline generation has no lag: appends keep it current (its counts stop at the switch).
            generation.inline && generation.state === "live"
              ? Effect.succeed(generation.eventsDone)
              : totalOf(generation),
            (eventsTotal): GenerationStatus => ({
              generation: generation.generation,
              version: generation.version,
              state: generation.state,
              checkpoint: Checkpoint.format(generation.checkpoint),
              eventsDone: generation.eventsDone,
              eventsTotal
            })
          )

    const status = Effect.forEach(registered, (r) =>
      Effect.gen(function* () {
        const generations = yield* store.generations(r.projection.name)
        const live = generations.find((g) => g.state === "live")
        const building = generations.filter((g) => g.state === "building").at(-1)
        return {
          name: r.projection.name,
          version: r.projection.version,
          inline: r.inline,
          serving: yield* statusOf(live ?? building),
          building: live === undefined ? undefined : yield* statusOf(building)
        } satisfies Status
      })
    ).pipe(Effect.withSpan("Projections.status"))

    const rebuild: ProjectionsShape["rebuild"] = (name, opts = {}) =>
      Effect.gen(function* () {
        const r = yield* find(name)
        // A build cut short (a crash, an interrupted rebuild) is resumed from its checkpoint.
        const generations = yield* store.generations(name)
        const deployed = deployedVersion(generations)
        if (deployed > r.projection.version) {
          return yield* new NewerVersionDeployed({ name, deployed, registered: r.projection.version })
        }
        const live = generations.find((g) => g.state === "live")
        const unfinished = generations
          .filter((g) => g.state === "building" && matches(g, r) && g.generation > (live?.generation ?? 0))
          .at(-1)
        const generation = unfinished ?? (yield* create(r))
        yield* build(r, generation, opts.onProgress ?? (() => Effect.void))
      }).pipe(
        // The next attempt resumes the unfinished generation.
        retryingConflicts("Projections.rebuild"),
        Effect.withSpan("Projections.rebuild", { attributes: { "stint.projection": name } })
      )

    const catchUp: ProjectionsShape["catchUp"] = (name) =>
      Effect.gen(function* () {
        const selected = name === undefined ? registered : [yield* find(name)]
        yield* Effect.forEach(selected, catchUpOne, { discard: true })
      }).pipe(Effect.withSpan("Projections.catchUp"))

    if (options.run !== false) {
      yield* Effect.forkScoped(Effect.forEach(registered, runOne, { concurrency: "unbounded", discard: true }))
    }

    const view: ProjectionsShape["view"] = (readModel, key, viewer) => {
      const id = readModel.documentId(key)
      return Effect.map(get(readModel.projection, id), (document) =>
        Option.flatMap(document, (d) => Option.fromNullable(readModel.view(d, id, viewer)))
      )
    }

    const listView: ProjectionsShape["listView"] = (readModel, query, viewer) =>
      Effect.map(list(readModel.projection, query), (page) => ({
        items: page.items.flatMap(({ document, id }) => {
          const seen = readModel.view(document, id, viewer)
          return seen === undefined ? [] : [{ id, document: seen }]
        }),
        next: page.next
      }))

    return Projections.of({
      registered: registered.map((r) => r.projection.name),
      get,
      list,
      view,
      listView,
      status,
      rebuild,
      catchUp
    })
  })

/**
 * Projections over the provided stores. Async projections only; for inline ones build the event store
 * with `layerWith`, which installs the append hook.
 */
export const layer = (options: Options): Layer.Layer<Projections, never, ProjectionStore | EventStore> =>
  Layer.scoped(Projections, make(options))

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
  return Layer.scoped(Projections, make(options)).pipe(Layer.provideMerge(store))
}
