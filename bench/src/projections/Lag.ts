/**
 * How far the async read models fall behind the writers, and what running the read models costs them.
 * The full-domain workload of `StintDomain` (8 loops, seven commands per engagement) runs three times
 * on fresh places of one backend: with no projection registered (the plain append path), with
 * `ReadModels.options()` (inline EngagementView and SessionJournal in every append, the five async ones
 * followed by their runners), and with them while their lag is sampled. Each warms up on the same
 * number of engagements before the clock starts; the timed part is the command loops only. In the
 * sampled run `Projections.status` is read every 50 ms while the writers run: an async projection's
 * lag is `eventsTotal - eventsDone` of its serving generation (the events between its checkpoint and
 * the head). After the writers stop, status is polled every 10 ms until each async projection's lag
 * is 0: its catch-up time. */
import * as Projections from "@stint/core/Projections"
import * as ReadModels from "@stint/core/ReadModels"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Queue from "effect/Queue"
import * as Places from "../Places.js"
import * as StintDomain from "../stint/StintDomain.js"
import * as Workload from "../Workload.js"
import * as Stack from "./Stack.js"
import { percentile } from "../Figures.js"

/** Milliseconds between two lag samples while the writers run. */
export const sampleEveryMs = 50
/** Milliseconds between two polls once they have stopped. */
export const pollEveryMs = 10

/** One async projection's lag while the writers ran, in events. */
export interface ProjectionLag {
  readonly name: string
  readonly p50: number
  readonly p95: number
  readonly max: number
  /** From the writers' last command to the first poll that found the projection at the head. */
  readonly catchUpMs: number
}

/** The command loops of one run. */
export interface Run {
  readonly commands: number
  readonly events: number
  readonly seconds: number
}

/** What the sampled run saw of the async projections. */
export interface Lags {
  readonly lags: ReadonlyArray<ProjectionLag>
  readonly samples: number
  /** Mean time between samples (over 50 ms when a status call took longer). */
  readonly meanIntervalMs: number
  /** The slowest `status` call while the writers ran. */
  readonly slowestStatusMs: number
  /** Until every async projection had caught up. */
  readonly catchUpMs: number
}

export interface Result {
  readonly backend: "sqlite" | "pg"
  /** No projection registered. */
  readonly off: Run
  /** The read models running, nobody asking for their status. */
  readonly on: Run & { readonly catchUpMs: number }
  /** The read models running and their status sampled. */
  readonly sampled: Run & Lags
}

export type Outcome = Result | { readonly backend: "sqlite" | "pg"; readonly error: string }

type Mode = "off" | "on" | "sampled"

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.split("\n")[0]!.slice(0, 300) : String(error).slice(0, 300)

/** Every async projection's lag now, by name (undefined while it has no generation yet). */
const asyncLags = Effect.flatMap(Projections.Projections, (projections) =>
  Effect.map(projections.status, (all) =>
    all
      .filter((status) => !status.inline)
      .map((status) => ({
        name: status.name,
        lag: status.serving === undefined ? undefined : status.serving.eventsTotal - status.serving.eventsDone
      }))
  )
)

/** Polls until every async projection is at the head; the milliseconds each took. */
export const awaitCaughtUp = (limit: Duration.Duration) =>
  Effect.gen(function* () {
    const start = performance.now()
    const caughtUp = new Map<string, number>()
    for (;;) {
      const lags = yield* asyncLags
      const elapsed = performance.now() - start
      for (const { lag, name } of lags) if (lag === 0 && !caughtUp.has(name)) caughtUp.set(name, elapsed)
      if (caughtUp.size === lags.length) return caughtUp
      if (elapsed > Duration.toMillis(limit)) {
        const behind = lags.filter((l) => !caughtUp.has(l.name)).map((l) => `${l.name} ${l.lag ?? "no generation"}`)
        return yield* Effect.fail(
          new Error(`not caught up ${Duration.format(limit)} after the writers stopped: ${behind.join(", ")}`)
        )
      }
      yield* Effect.sleep(Duration.millis(pollEveryMs))
    }
  })

const writersTimeout = Duration.minutes(10)

/** The measured command loops, with the lag sampled every 50 ms while they run when `sample` is set. */
const measured = (loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>, sample: boolean) =>
  Effect.gen(function* () {
    const samples: Array<{ readonly at: number; readonly took: number; readonly lags: ReadonlyArray<number> }> = []
    // The sampler waits for its turn on a timer, or for a writer's nudge at the end of a command:
    // the synchronous SQLite driver can keep the event loop from reaching its timers while writers run.
    const nudges = yield* Queue.sliding<void>(1)
    let due = Number.POSITIVE_INFINITY
    const sampling = Effect.gen(function* () {
      for (;;) {
        const at = performance.now()
        const lags = yield* asyncLags
        samples.push({ at, took: performance.now() - at, lags: lags.map((l) => l.lag ?? 0) })
        due = at + sampleEveryMs
        for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) {
          yield* Effect.raceFirst(Queue.take(nudges), Effect.sleep(Duration.millis(wait)))
        }
      }
    })
    const nudge = Effect.suspend(() =>
      performance.now() >= due ? Effect.asVoid(Queue.offer(nudges, undefined)) : Effect.void
    )
    const start = performance.now()
    const sampler = sample ? yield* Effect.fork(sampling) : undefined
    const stats = yield* StintDomain.runLoops(loops, sample ? nudge : undefined).pipe(
      Effect.timeoutFail({
        duration: writersTimeout,
        onTimeout: () => new Error(`the command loops did not finish in ${Duration.format(writersTimeout)}`)
      })
    )
    const run: Run = { commands: stats.commands, events: stats.events, seconds: (performance.now() - start) / 1000 }
    if (sampler !== undefined) yield* Fiber.interrupt(sampler)
    return { run, samples }
  })

/** One mode on a fresh place: warm up, then time the command loops; then, with read models, the catch-up. */
const runMode = async (
  places: Places.Places,
  backend: "sqlite" | "pg",
  mode: Mode,
  engagements: number,
  warmup: number
) => {
  const fresh = await places.fresh(backend)
  const runtime = ManagedRuntime.make(Stack.stint(fresh.place, mode === "off" ? {} : ReadModels.options()))
  try {
    const warm = Workload.split(Workload.engagements(warmup, "warm"), Workload.concurrentLoops)
    await runtime.runPromise(StintDomain.registerMentors(warm))
    await runtime.runPromise(StintDomain.runLoops(warm))
    const loops = Workload.split(Workload.engagements(engagements, "bench"), Workload.concurrentLoops)
    await runtime.runPromise(StintDomain.registerMentors(loops))
    if (mode === "off") return { run: (await runtime.runPromise(measured(loops, false))).run, lags: undefined }
    // The runners start at the head, so the lag measured is the workload's own.
    await runtime.runPromise(awaitCaughtUp(Duration.minutes(2)))
    return await runtime.runPromise(
      Effect.gen(function* () {
        const { run, samples } = yield* measured(loops, mode === "sampled")
        const caughtUp = yield* awaitCaughtUp(Duration.minutes(10))
        const names = (yield* asyncLags).map((l) => l.name)
        const lags = names.map((name, i): ProjectionLag => {
          const sorted = samples.map((s) => s.lags[i] ?? 0).sort((a, b) => a - b)
          return {
            name,
            p50: percentile(sorted, 50),
            p95: percentile(sorted, 95),
            max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
            catchUpMs: caughtUp.get(name) ?? Number.NaN
          }
        })
        const span = samples.length > 1 ? samples[samples.length - 1]!.at - samples[0]!.at : Number.NaN
        return {
          run,
          lags: {
            lags,
            samples: samples.length,
            meanIntervalMs: span / Math.max(1, samples.length - 1),
            slowestStatusMs: Math.max(0, ...samples.map((s) => s.took)),
            catchUpMs: Math.max(0, ...caughtUp.values())
          } satisfies Lags
        }
      })
    )
  } finally {
    await Places.release(runtime, fresh)
  }
}

/**
 * The workload three times on fresh places of one backend: without read models, with them, and with
 * them while their lag is sampled (the sampling's own status calls cost the writers something, so the
 * on / off ratio comes from the unsampled run).
 */
export const measure = async (
  places: Places.Places,
  backend: "sqlite" | "pg",
  engagements: number,
  warmup: number
): Promise<Outcome> => {
  try {
    const off = await runMode(places, backend, "off", engagements, warmup)
    const on = await runMode(places, backend, "on", engagements, warmup)
    const sampled = await runMode(places, backend, "sampled", engagements, warmup)
    if (on.lags === undefined || sampled.lags === undefined) throw new Error("a run with read models measured no lag")
    return {
      backend,
      off: off.run,
      on: { ...on.run, catchUpMs: on.lags.catchUpMs },
      sampled: { ...sampled.run, ...sampled.lags }
    }
  } catch (error) {
    return { backend, error: describe(error) }
  }
}
