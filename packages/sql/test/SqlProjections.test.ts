/** Projections on SQL: the contract on an SQLite file and on PostgreSQL. */
import * as Projections from "@stint/core/projection/Projections"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import { projectionsContract } from "@stint/testing/ProjectionsContract"
import * as ProjectionStore from "@stint/core/projection/ProjectionStore"
import * as Checkpoint from "@stint/core/store/Checkpoint"
import { assert, describe, it } from "@effect/vitest"
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
        yield* Effect.gen(function* () {
          const store = yield* ProjectionStore.ProjectionStore
          const generation = yield* store.create("p", { version: 1, inline: true })
          const move = (from: Checkpoint.Checkpoint, to: Checkpoint.Checkpoint) =>
            store.commit(generation, [], { from, to, events: 1 })
          yield* move(Checkpoint.start, { commit: 1n, position: 1n })
          yield* store.promote(generation)
          const refused = yield* Effect.flip(move({ commit: 1n, position: 1n }, { commit: 2n, position: 2n }))
          assert.strictEqual(refused._tag === "CheckpointConflict" ? refused.actual : refused._tag, "live")
          yield* store.commit(generation, [{ id: "a", document: { n: 1 }, keys: [] }])
          assert.deepStrictEqual([...(yield* store.getMany(generation, ["a"]))], [["a", { n: 1 }]])
        }).pipe(Effect.provide(SqlProjectionStore.layer().pipe(Layer.provide(backend.client(database)))))
      }).pipe(Effect.scoped)
    )
  })
}
