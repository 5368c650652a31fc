/**
 * The in-process side of the comparison: the same engagements through the same commands, by
 * `StintDomain`'s loops (one per HTTP connection), on a fresh store of the same backend wired as the
 * server wires it (`examples/server/src/Storage.ts`): `Stint.layerWithProjections` over
 * `SqlEventStore.layer()` with `ReadModels.options()`, `SqlProjectionStore.layer()`, and the driver's
 * client (better-sqlite3, or `pg` with 16 connections). The one difference is the bench's strictly
 * increasing clock, which the in-process loops need to record two sessions in the agreement's
 * millisecond (over HTTP the sessions take their time from the client, after each answer).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as ReadModels from "@stint/core/readmodel/ReadModels"
import * as Stint from "@stint/core/Stint"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Places from "../Places.js"
import * as Lag from "../projections/Lag.js"
import type { Place } from "../Subject.js"
import * as BenchClock from "../stint/BenchClock.js"
import * as StintDomain from "../stint/StintDomain.js"
import * as Workload from "../Workload.js"

/** The server's pool size on PostgreSQL. */
export const pgConnections = 16

const client = (place: Place): Layer.Layer<SqlClient.SqlClient, unknown> => {
  switch (place._tag) {
    case "sqlite":
      return SqliteClient.layer({ filename: place.filename })
    case "pg":
      return PgClient.layer({ url: Redacted.make(place.url), maxConnections: pgConnections })
    case "memory":
      throw new Error("the server runs on SQLite or PostgreSQL")
  }
}

/** The server's storage layer (`Storage.layer`) on a place, on the bench's clock. */
const layer = (place: Place) =>
  Stint.layerWithProjections(SqlEventStore.layer(), { projections: ReadModels.options() }).pipe(
    Layer.provideMerge(SqlProjectionStore.layer()),
    Layer.provideMerge(client(place)),
    Layer.provideMerge(BenchClock.layer())
  )

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
