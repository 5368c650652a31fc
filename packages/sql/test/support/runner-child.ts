/**
 * A process that builds the counting projection with small batches, for the crash test to kill:
 * `node --import tsx runner-child.ts <sqlite|pg> <file or url>`.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Projections from "@stint/core/Projections"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import { counting } from "@stint/testing/ProjectionFixtures"
import { Effect, Layer, Redacted } from "effect"

const [backend, database] = process.argv.slice(2)
const client: Layer.Layer<SqlClient.SqlClient, unknown> =
  backend === "pg"
    ? PgClient.layer({ url: Redacted.make(database!), maxConnections: 2 })
    : SqliteClient.layer({ filename: database! })
const layer = Projections.layer({ async: [counting], run: false, batchSize: 10 }).pipe(
  Layer.provide(SqlEventStore.layer()),
  Layer.provide(SqlProjectionStore.layer()),
  Layer.provide(client)
)

Effect.runPromise(
  Effect.gen(function* () {
    const projections = yield* Projections.Projections
    process.stdout.write("started\n")
    yield* projections.catchUp()
    process.stdout.write("done\n")
  }).pipe(Effect.provide(layer))
).catch((error) => {
  console.error(error)
  process.exit(1)
})
