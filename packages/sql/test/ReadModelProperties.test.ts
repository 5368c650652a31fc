/** INV-16 and INV-19 on an SQLite file and on PostgreSQL: the read models as the SQL stores keep them. */
import { Stint } from "@stint/core"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import { readModelProperties } from "@stint/testing/ReadModelProperties"
import * as Layer from "effect/Layer"
import { describePg, pgClient, sqliteClient } from "./fixtures.js"

const onSql =
  (client: () => Layer.Layer<import("@effect/sql/SqlClient").SqlClient, unknown>) =>
  (projections: import("@stint/core/Projections").Options) =>
    Stint.layerWithProjections(SqlEventStore.layer(), { projections }).pipe(
      Layer.provide(Layer.provideMerge(SqlProjectionStore.layer(), client()))
    )

readModelProperties(
  "SQLite file",
  onSql(() => sqliteClient()),
  { numRuns: 20 }
)

describePg("PostgreSQL", () => {
  readModelProperties(
    "PostgreSQL",
    onSql(() => pgClient()),
    { numRuns: 20 }
  )
})
