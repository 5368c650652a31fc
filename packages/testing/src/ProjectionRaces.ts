/**
 * Async projections under competition (INV-19, exactly once): several processes' leased runners,
 * forced catch-ups, rebuilds and builders of rival generations, while writers write. One suite every
 * projection store runs (memory, SQLite, PostgreSQL). Each test is judged against the log itself,
 * read through the event store: every stream's events applied once each, in order.
 *
 * - two deterministic reproductions: a test store pauses one process between reading and writing, so
 *   the interleaving that once lost documents happens on every run;
 * - a stress property over generated schedules of processes, batch sizes, catch-ups, rebuilds and
 *   writers (holding their transactions open where the store has transactions).
 */
import * as Projection from "@stint/core/Projection"
import * as Projections from "@stint/core/Projections"
import { ProjectionStore, type ProjectionStoreShape } from "@stint/core/ProjectionStore"
import { EventStore } from "@stint/core/EventStore"
import * as StreamId from "@stint/core/StreamId"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as fc from "fast-check"
import { declare } from "./ProjectionFixtures.js"

/** One process's view of shared storage: its own connections (on SQL) and leases. */
export interface Process {
  readonly context: Context.Context<EventStore | ProjectionStore>
  /**
   * Runs an append and keeps its transaction open `millis` longer (PostgreSQL: a writer that commits
   * late, behind later positions). Where a store has no such transaction, the append alone.
   */
  readonly holding: <A, E>(append: Effect.Effect<A, E, EventStore>, millis: number) => Effect.Effect<A, unknown>
}

/** New, empty storage for one test; each run of the effect it returns opens one more process on it. */
export type Storage = Effect.Effect<Effect.Effect<Process, unknown, Scope.Scope>, unknown, Scope.Scope>

/** Every event of each mentee stream as the projection applied it: its versions, in order of application. */
export const applied = Projection.make({
  name: "races-applied",
  version: 1,
  handles: ["InterestsDeclared"],
  document: Schema.Struct({ versions: Schema.Array(Schema.Int) }),
  apply: ({ record }, documents) => {
    const id = StreamId.idOf(record.streamId)
    return [Projection.put(id, { versions: [...(documents.get(id)?.versions ?? []), record.version] })]
  }
})

/**
 * The judge, independent of the projection code: each stream's versions as the log holds them
 * (read through the event store), against what the served generation applied. Exactly once, in order.
 */
export const assertAppliedOnce = Effect.gen(function* () {
  const store = yield* EventStore
  const projections = yield* Projections.Projections
  const log = new Map<string, Array<number>>()
  for (const record of yield* Stream.runCollect(store.readAll())) {
    const id = StreamId.idOf(record.streamId)
    log.set(id, [...(log.get(id) ?? []), record.version])
  }
  const documents = new Map<string, ReadonlyArray<number>>()
  let cursor: string | undefined
  do {
    const page = yield* projections.list(applied, { limit: 1000, ...(cursor ? { cursor } : {}) })
    for (const item of page.items) documents.set(item.id, item.document.versions)
    cursor = page.next
  } while (cursor !== undefined)
  assert.deepStrictEqual([...documents.keys()].sort(), [...log.keys()].sort(), "one document per stream")
  for (const [id, versions] of log) assert.deepStrictEqual(documents.get(id), versions, `stream ${id}`)
})

/** A place where a test holds a call: `reached` once the call gets there, which waits for `go`. */
interface Pause {
  readonly reached: Deferred.Deferred<void>
  readonly go: Deferred.Deferred<void>
}

const pause: Effect.Effect<Pause> = Effect.map(
  Effect.all([Deferred.make<void>(), Deferred.make<void>()]),
  ([reached, go]) => ({ reached, go })
)

const hold = (p: Pause) => Effect.zipRight(Deferred.succeed(p.reached, undefined), Deferred.await(p.go))
const release = (p: Pause) => Deferred.succeed(p.go, undefined)

/** Where a test store pauses: after the first `generations` read, before the first `promote` or `exclusive`. */
interface Pauses {
  readonly afterGenerations?: Pause
  readonly beforePromote?: Pause
  readonly beforeExclusive?: Pause
}

/** The store with its first call of each paused operation held at its pause. */
const pausing = (store: ProjectionStoreShape, pauses: Pauses): ProjectionStoreShape => {
  const once = (p: Pause | undefined) => {
    let armed = p !== undefined
    return Effect.suspend(() => {
      if (!armed || p === undefined) return Effect.void
      armed = false
      return hold(p)
    })
  }
  const afterGenerations = once(pauses.afterGenerations)
  const beforePromote = once(pauses.beforePromote)
  const beforeExclusive = once(pauses.beforeExclusive)
  return {
    ...store,
    generations: (name) => Effect.tap(store.generations(name), () => afterGenerations),
    promote: (target) => Effect.zipRight(beforePromote, store.promote(target)),
    exclusive: (effect) => Effect.zipRight(beforeExclusive, store.exclusive(effect))
  }
}

/** What a process's runs met: refused checkpoint moves and switches, and generations created. */
interface Encounters {
  conflicts: number
  created: number
}

/**
 * The store, counting what its callers met. Each call first yields to other fibers: a store whose
 * calls never wait (memory) would otherwise run a process's reads and writes without interleaving.
 */
const counting = (store: ProjectionStoreShape, seen: Encounters): ProjectionStoreShape => {
  const conflict = (e: unknown) => Effect.sync(() => Predicate.isTagged(e, "CheckpointConflict") && seen.conflicts++)
  const turn = Effect.yieldNow()
  return {
    ...store,
    generations: (name) => Effect.zipRight(turn, store.generations(name)),
    create: (name, options) =>
      Effect.zipRight(
        turn,
        Effect.tap(store.create(name, options), () => Effect.sync(() => seen.created++))
      ),
    commit: (target, changes, move, within) =>
      Effect.zipRight(turn, Effect.tapError(store.commit(target, changes, move, within), conflict)),
    promote: (target) => Effect.zipRight(turn, Effect.tapError(store.promote(target), conflict))
  }
}

/** `Projections` of one process, over its storage with `store` in place of the process's own. */
const projectionsOf = (
  process: Process,
  options: Projections.Options,
  store: (own: ProjectionStoreShape) => ProjectionStoreShape = (own) => own
) =>
  Layer.build(
    Projections.layer(options).pipe(
      Layer.provide(
        Layer.succeedContext(
          Context.add(process.context, ProjectionStore, store(Context.get(process.context, ProjectionStore)))
        )
      )
    )
  )

const catchUp = (context: Context.Context<Projections.Projections>) =>
  Effect.provide(
    Effect.flatMap(Projections.Projections, (p) => p.catchUp()),
    context
  )

const judged = (process: Process, context: Context.Context<Projections.Projections>) =>
  Effect.provide(assertAppliedOnce, Context.merge(process.context, context))

const servedGeneration = (context: Context.Context<Projections.Projections>) =>
  Effect.provide(
    Effect.map(
      Effect.flatMap(Projections.Projections, (p) => p.status),
      ([status]) => status?.serving?.generation
    ),
    context
  )

/** Six declarations over three mentee streams: the log the deterministic races build from. */
const seed = (process: Process) =>
  Effect.forEach(
    Array.from({ length: 6 }, (_, i) => i),
    (i) => Effect.provide(declare(`m${i % 3}`, ["sql"], i), process.context),
    { discard: true }
  )

/** A generated schedule: processes, writes and interruptions, all racing. */
interface Schedule {
  /** Each process's batch size. */
  readonly processes: ReadonlyArray<number>
  readonly writes: ReadonlyArray<{
    readonly process: number
    readonly stream: number
    readonly holdMillis: number
  }>
  readonly catchUps: ReadonlyArray<{ readonly process: number; readonly afterMillis: number }>
  readonly rebuild: { readonly process: number; readonly afterMillis: number } | null
}

const schedule: fc.Arbitrary<Schedule> = fc.integer({ min: 2, max: 3 }).chain((n) =>
  fc.record({
    processes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: n, maxLength: n }),
    writes: fc.array(
      fc.record({
        process: fc.nat(n - 1),
        stream: fc.nat(5),
        holdMillis: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15 }))
      }),
      { minLength: 10, maxLength: 40 }
    ),
    // Catch-ups at once race the runners for the first generation; later ones, for checkpoints.
    catchUps: fc.array(fc.record({ process: fc.nat(n - 1), afterMillis: fc.oneof(fc.constant(0), fc.nat(60)) }), {
      maxLength: 6
    }),
    rebuild: fc.option(fc.record({ process: fc.nat(n - 1), afterMillis: fc.nat(60) }), { nil: null })
  })
)

/** How many generated schedules each store runs; `STINT_RACE_RUNS` raises it for a long soak. */
export const raceRuns = (fallback: number): number => {
  const runs = Number(process.env.STINT_RACE_RUNS ?? "")
  return Number.isInteger(runs) && runs > 0 ? runs : fallback
}

/**
 * Runs one schedule on new storage; fails when an event was skipped or applied twice. Each process
 * has a server (its leased runners) and a tool (forced catch-ups and the rebuild, as the CLI would):
 * the tools are ready first, so catch-ups at once race the servers' runners as they start.
 */
const race = (storage: Storage, plan: Schedule, seen: Encounters) =>
  Effect.gen(function* () {
    const open = yield* storage
    const processes = yield* Effect.forEach(plan.processes, () => open)
    const party = (i: number, run: boolean) =>
      projectionsOf(
        processes[i]!,
        { async: [applied], batchSize: plan.processes[i]!, leaseRetry: "20 millis", followInterval: "5 millis", run },
        (own) => counting(own, seen)
      )
    const tools = yield* Effect.forEach(plan.processes, (_, i) => party(i, false))
    const servers = Effect.forEach(plan.processes, (_, i) => party(i, true), { concurrency: "unbounded" })
    const writers = Effect.forEach(
      plan.writes,
      (w, i) => processes[w.process]!.holding(declare(`s${w.stream}`, ["sql"], i), w.holdMillis),
      { concurrency: 4, discard: true }
    )
    const after = (millis: number) => (millis === 0 ? Effect.void : Effect.sleep(`${millis} millis`))
    const forced = Effect.forEach(
      plan.catchUps,
      (c) => Effect.zipRight(after(c.afterMillis), catchUp(tools[c.process]!)),
      {
        concurrency: "unbounded",
        discard: true
      }
    )
    const rebuild =
      plan.rebuild === null
        ? Effect.void
        : Effect.zipRight(
            after(plan.rebuild.afterMillis),
            Effect.provide(
              Effect.flatMap(Projections.Projections, (p) => p.rebuild(applied.name)),
              tools[plan.rebuild.process]!
            )
          )
    yield* Effect.all([servers, writers, forced, rebuild], { concurrency: "unbounded", discard: true })
    yield* catchUp(tools[0]!)
    yield* judged(processes[0]!, tools[0]!)
  }).pipe(Effect.scoped)

/** The races, on one kind of storage. `runs` generated schedules for the stress property. */
export const projectionRaces = (name: string, storage: Storage, runs: number): void => {
  describe(`Projection races: ${name}`, () => {
    it.live("INV-19: a generation retired by a rival builder's switch never goes live again (async)", () =>
      Effect.gen(function* () {
        const open = yield* storage
        const process = yield* open
        yield* seed(process)
        const rivalSawNone = yield* pause
        const firstAtSwitch = yield* pause
        const options = { async: [applied], run: false, batchSize: 2 }
        // The rival reads that there is no generation yet, and waits.
        const rival = yield* projectionsOf(process, options, (own) => pausing(own, { afterGenerations: rivalSawNone }))
        const rivalRun = yield* Effect.fork(catchUp(rival))
        yield* Deferred.await(rivalSawNone.reached)
        // The first creates generation 1, builds it to the head, and waits before switching to it.
        const first = yield* projectionsOf(process, options, (own) => pausing(own, { beforePromote: firstAtSwitch }))
        const firstRun = yield* Effect.fork(catchUp(first))
        yield* Deferred.await(firstAtSwitch.reached)
        // The rival creates generation 2, builds it, and switches to it: generation 1 is retired.
        yield* release(rivalSawNone)
        yield* Fiber.join(rivalRun)
        assert.strictEqual(yield* servedGeneration(rival), 2)
        // The first now switches: a retired generation (its documents dropped) must not come back.
        yield* release(firstAtSwitch)
        yield* Fiber.join(firstRun)
        assert.strictEqual(yield* servedGeneration(first), 2, "the generation serving reads")
        yield* judged(process, first)
        // And the next events are applied on top of whole documents.
        for (let i = 0; i < 3; i++) yield* Effect.provide(declare(`m${i}`, ["sql"], 10 + i), process.context)
        yield* catchUp(first)
        yield* judged(process, first)
      }).pipe(Effect.scoped)
    )

    it.live("INV-19: a generation retired by a rival builder's switch never goes live again (inline)", () =>
      Effect.gen(function* () {
        const open = yield* storage
        const process = yield* open
        yield* seed(process)
        const rivalSawNone = yield* pause
        const rivalAtSwitch = yield* pause
        const firstAtSwitch = yield* pause
        // Inline projections switch inside `exclusive` (no append runs meanwhile): pause before it.
        const options = { inline: [applied], run: false, batchSize: 2 }
        const inlineProjections = (pauses: Pauses) =>
          Layer.build(
            Projections.layerWith(options, Layer.succeed(EventStore, Context.get(process.context, EventStore))).pipe(
              Layer.provide(
                Layer.succeed(ProjectionStore, pausing(Context.get(process.context, ProjectionStore), pauses))
              )
            )
          )
        const rival = yield* inlineProjections({ afterGenerations: rivalSawNone, beforeExclusive: rivalAtSwitch })
        const rivalRun = yield* Effect.fork(catchUp(rival))
        yield* Deferred.await(rivalSawNone.reached)
        const first = yield* inlineProjections({ beforeExclusive: firstAtSwitch })
        const firstRun = yield* Effect.fork(catchUp(first))
        yield* Deferred.await(firstAtSwitch.reached)
        // The rival builds generation 2 to the head and waits at its switch; the first switches to 1.
        yield* release(rivalSawNone)
        yield* Deferred.await(rivalAtSwitch.reached)
        yield* release(firstAtSwitch)
        yield* Fiber.join(firstRun)
        assert.strictEqual(yield* servedGeneration(first), 1)
        // The rival's generation was retired: its switch must not bring it back.
        yield* release(rivalAtSwitch)
        yield* Fiber.join(rivalRun)
        assert.strictEqual(yield* servedGeneration(rival), 1, "the generation serving reads")
        yield* judged(process, first)
      }).pipe(Effect.scoped)
    )

    it.live(
      `INV-19: competing runners, catch-ups and rebuilds while writers write apply each event once (${runs} schedules)`,
      () =>
        Effect.gen(function* () {
          const totals = { cases: 0, withConflicts: 0, withRivalGenerations: 0 }
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(schedule, async (plan) => {
                const seen: Encounters = { conflicts: 0, created: 0 }
                await Effect.runPromise(race(storage, plan, seen))
                totals.cases++
                if (seen.conflicts > 0) totals.withConflicts++
                // More generations than a rebuild asks for: rival builders created one each.
                if (seen.created > (plan.rebuild === null ? 1 : 2)) totals.withRivalGenerations++
              }),
              { numRuns: runs, endOnFailure: true }
            )
          )
          // The generator reaches the races it is for: runners that lost a checkpoint or switch race,
          // and rival builders of one projection.
          console.log(`projection races on ${name}:`, JSON.stringify(totals))
          assert.isAbove(totals.withConflicts, 0, "no schedule had a runner lose a checkpoint race")
          assert.isAbove(totals.withRivalGenerations, 0, "no schedule had rival builders")
        }),
      { timeout: 60_000 + runs * 5_000 }
    )
  })
}
