/** Projections in memory: the contract, and what only memory shows directly. */
import * as MemoryProjectionStore from "@stint/core/projection/MemoryProjectionStore"
import * as Projections from "@stint/core/projection/Projections"
import * as MemoryEventStore from "@stint/core/store/MemoryEventStore"
import { projectionsContract } from "@stint/testing/ProjectionsContract"
import * as Checkpoint from "@stint/core/store/Checkpoint"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

projectionsContract("memory", (options) =>
  Projections.layerWith(options, MemoryEventStore.layerMemory).pipe(Layer.provide(MemoryProjectionStore.layer))
)

describe("MemoryProjectionStore", () => {
  it.effect("a live inline generation refuses checkpoint moves: appends keep it, no builder may", () =>
    Effect.gen(function* () {
      const store = yield* MemoryProjectionStore.make
      const generation = yield* store.create("p", { version: 1, inline: true })
      const move = (from: Checkpoint.Checkpoint, to: Checkpoint.Checkpoint) =>
        store.commit(generation, [], { from, to, events: 1 })
      yield* move(Checkpoint.start, { commit: 1n, position: 1n })
      yield* store.promote(generation)
      const refused = yield* Effect.flip(move({ commit: 1n, position: 1n }, { commit: 2n, position: 2n }))
      assert.strictEqual(refused._tag === "CheckpointConflict" ? refused.actual : refused._tag, "live")
      // Documents without a move (the append hook's writes) still go in.
      yield* store.commit(generation, [{ id: "a", document: { n: 1 }, keys: [] }])
      assert.deepStrictEqual([...(yield* store.getMany(generation, ["a"]))], [["a", { n: 1 }]])
    })
  )
})
