/**
 * The in-process side of the comparison: the same engagements through the same commands, by
 * `StintDomain`'s loops (one per HTTP connection), on a fresh store of the same backend wired as the
 * server wires it: `SqlStint.layer` with the server's own `Storage.options` (the built-in read
 * models; better-sqlite3, or `pg` with 16 connections). The one difference is the bench's strictly
 * increasing clock, which the in-process loops need to record two sessions in the agreement's
 * millisecond (over HTTP the sessions take their time from the client, after each answer).
 */
import * as SqlStint from "@stint/sql/SqlStint"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Places from "../Places.js"
import * as Lag from "../projections/Lag.js"
import type { Place } from "../Subject.js"
import * as BenchClock from "../stint/BenchClock.js"
import * as StintDomain from "../stint/StintDomain.js"
import * as Workload from "../Workload.js"
import * as Storage from "../../../examples/server/src/Storage.js"

/** The server's storage layer (`Storage.layer`, with its options) on a place, on the bench's clock. */
const layer = (place: Place) => {
  if (place._tag === "memory") throw new Error("the server runs on SQLite or PostgreSQL")
  const database = place._tag === "pg" ? place.url : { kind: "sqlite" as const, filename: place.filename }
  return SqlStint.layer(database, Storage.options).pipe(Layer.provideMerge(BenchClock.layer()))
}

export interface Result {
  readonly commands: number
  readonly events: number
  readonly seconds: number
  /** CPU time (user + system) of the process during the loops: Stint, its read models and the driver. */
  readonly cpuSeconds: number
  /** From the end of the loops until every async read model was at the head. */
  readonly caughtUpAfterMs: number
}

/**
 * Warms up on `warmup` engagements, registers the measured engagements' mentors, waits for the async
 * read models to reach the head, then times the loops over `engagements` engagements; afterwards,
 * how long the async read models took to reach the head again.
 */
export const measure = async (
  places: Places.Places,
  backend: "sqlite" | "pg",
  loops: number,
  warmup: number,
  engagements: number
): Promise<Result> => {
  const fresh = await places.fresh(backend)
  const runtime = ManagedRuntime.make(layer(fresh.place))
  try {
    const warm = Workload.split(Workload.engagements(warmup, "warm"), loops)
    await runtime.runPromise(StintDomain.registerMentors(warm))
    await runtime.runPromise(StintDomain.runLoops(warm))
    const measured = Workload.split(Workload.engagements(engagements, "bench"), loops)
    await runtime.runPromise(StintDomain.registerMentors(measured))
    await runtime.runPromise(Lag.awaitCaughtUp(Duration.minutes(2)))
    const cpu = process.cpuUsage()
    const start = performance.now()
    const stats = await runtime.runPromise(StintDomain.runLoops(measured))
    const end = performance.now()
    const used = process.cpuUsage(cpu)
    await runtime.runPromise(Lag.awaitCaughtUp(Duration.minutes(10)))
    return {
      commands: stats.commands,
      events: stats.events,
      seconds: (end - start) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
      caughtUpAfterMs: performance.now() - end
    }
  } finally {
    await Places.release(runtime, fresh)
  }
}
