/** Projections on SQL: the contract on an SQLite file and on PostgreSQL. */
import * as Projections from "@stint/core/projection/Projections"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import { projectionsContract } from "@stint/testing/ProjectionsContract"
import * as Layer from "effect/Layer"
import { describePg, pgClient, sqliteClient } from "./fixtures.js"

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
