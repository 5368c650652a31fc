/** Projections on SQL: the contract on an SQLite file and on PostgreSQL. */
import * as Projections from "@stint/core/Projections"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import {
  liveInlineGenerationRefusesMoves,
  projectionsContract,
  retiredGenerationStaysRetired
} from "@stint/testing/ProjectionsContract"
import { describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { backends, describePg, pgClient, sqliteClient } from "./fixtures.js"

const onSql =
  (client: () => Layer.Layer<import("@effect/sql/SqlClient").SqlClient, unknown>) => (options: Projections.Options) =>
    Projections.layerWith(options, SqlEventStore.layer()).pipe(
      Layer.provide(Layer.provideMerge(SqlProjectionStore.layer(), client()))
    )

projectionsContract(
  "SQLite file",
  onSql(() => sqliteClient())
)

describePg("PostgreSQL", () => {
  projectionsContract(
    "PostgreSQL",
    onSql(() => pgClient())
  )
})

for (const backend of backends) {
  describe.skipIf(backend.skip)(`SqlProjectionStore on ${backend.name}`, () => {
    it.effect("a live inline generation refuses checkpoint moves: appends keep it, no builder may", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        yield* liveInlineGenerationRefusesMoves.pipe(
          Effect.provide(SqlProjectionStore.layer().pipe(Layer.provide(backend.client(database))))
        )
      }).pipe(Effect.scoped)
    )

    it.effect("a generation retired by another's switch is never made live again", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        yield* retiredGenerationStaysRetired.pipe(
          Effect.provide(SqlProjectionStore.layer().pipe(Layer.provide(backend.client(database))))
        )
      }).pipe(Effect.scoped)
    )
  })
}
