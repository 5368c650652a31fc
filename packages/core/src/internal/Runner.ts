/**
 * The runners: building a projection's generations from the log, switching reads to them, following
 * the log, and reading the served generation. A generation retired by a rival's switch is never
 * promoted again (`ProjectionStore.promote` refuses it; the conflict is retried from the new state).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Codec from "../handling/EventCodec.js"
import type { Projection } from "../projection/Projection.js"
import type { GenerationStatus, Options, Progress, ProjectionsShape, Query, Status } from "../projection/Projections.js"
import { NewerVersionDeployed, UnknownProjection } from "../projection/ProjectionErrors.js"
import { type Generation, type Page, ProjectionStore, type Target } from "../projection/ProjectionStore.js"
import * as Checkpoint from "../store/Checkpoint.js"
import type { CheckpointConflict } from "../store/CheckpointStore.js"
import { EventStore } from "../store/EventStore.js"
import type { RecordedEvent } from "../store/RecordedEvent.js"
import { type InvalidStoreData, StoreError } from "../store/StoreError.js"
import * as Apply from "./Apply.js"
import { Gate } from "./InlineHook.js"
import { encodeCursor, encodeQuery } from "./QueryEncoding.js"
import { customFailed, decodeRecords, isCustom, loader, type Registered, registrations } from "./Registry.js"

type RunError = StoreError | InvalidStoreData

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

/**
 * The `Projections` service of `options`; unless `options.run` is false, its runners are forked into
 * the layer's scope.
 */
export const make = (
  options: Options
): Effect.Effect<ProjectionsShape, never, ProjectionStore | EventStore | Scope.Scope> =>
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

    const service: ProjectionsShape = {
      registered: registered.map((r) => r.projection.name),
      get,
      list,
      view,
      listView,
      status,
      rebuild,
      catchUp
    }
    return service
  })
