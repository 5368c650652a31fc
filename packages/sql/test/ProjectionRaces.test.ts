/**
 * The projection races on an SQLite file and on PostgreSQL: each "process" opens the database with a
 * client (a connection, or a pool) and leases of its own, as separate servers would.
 */
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import * as ProjectionRaces from "@stint/testing/ProjectionRaces"
import * as SqlClient from "@effect/sql/SqlClient"
import { Context, Effect, Layer } from "effect"
import { type Backend, backends } from "./fixtures.js"

const storage = (backend: Backend): ProjectionRaces.Storage =>
  Effect.map(backend.database, (database) =>
    Effect.gen(function* () {
      const context = yield* Layer.build(
        Layer.mergeAll(SqlEventStore.layer(), SqlProjectionStore.layer()).pipe(
          Layer.provideMerge(backend.client(database))
        )
      )
      const sql = Context.get(context, SqlClient.SqlClient)
      return {
        context,
        // PostgreSQL: the append's transaction stays open while later ones commit (the fence's case).
        // SQLite has one writer at a time: a held transaction would only hold the others back.
        holding: (append, millis) =>
          backend.name === "PostgreSQL"
            ? sql.withTransaction(Effect.zipLeft(Effect.provide(append, context), Effect.sleep(`${millis} millis`)))
            : Effect.provide(append, context)
      } satisfies ProjectionRaces.Process
    })
  )

// Enough schedules to catch the retired-generation switch with 99 % odds on each backend: before
// its fix a schedule failed at a rate of about 7 % on SQLite and 19 % on PostgreSQL.
const runs = { SQLite: 60, PostgreSQL: 30 } as const

for (const backend of backends) {
  if (backend.skip) continue
  ProjectionRaces.projectionRaces(backend.name, storage(backend), ProjectionRaces.raceRuns(runs[backend.name]))
}
