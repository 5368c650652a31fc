/**
 * The checkpoint store contract: one suite every adapter runs (memory, SQLite, PostgreSQL), so a
 * projection runner can rely on compare-and-set saves everywhere.
 */
import { randomUUID } from "node:crypto"
import * as Checkpoint from "@stint/core/Checkpoint"
import { type CheckpointConflict, CheckpointStore } from "@stint/core/CheckpointStore"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"

const at = (commit: number, position: number): Checkpoint.Checkpoint => ({
  commit: BigInt(commit),
  position: BigInt(position)
})

/** Registers the checkpoint store contract for an adapter's layer. */
export const checkpointStoreContract = (name: string, storeLayer: Layer.Layer<CheckpointStore, unknown>): void => {
  describe(`CheckpointStore contract: ${name}`, () => {
    const runtime = ManagedRuntime.make(storeLayer)
    beforeAll(() => runtime.runPromise(Effect.void))
    afterAll(() => runtime.dispose())
    const contract = <A, E>(title: string, body: () => Effect.Effect<A, E, CheckpointStore>): void =>
      it.live(title, () => Effect.provide(Effect.suspend(body), runtime))
    const fresh = () => `contract-${randomUUID()}`

    contract("a checkpoint never saved loads as the start", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        assert.deepStrictEqual(yield* store.load(fresh()), Checkpoint.start)
      })
    )

    contract("saves move the checkpoint from where it was; large values round-trip", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const name = fresh()
        yield* store.save(name, { from: Checkpoint.start, to: at(7, 3) })
        assert.deepStrictEqual(yield* store.load(name), at(7, 3))
        const large = { commit: 2n ** 53n + 11n, position: 2n ** 53n + 7n }
        yield* store.save(name, { from: at(7, 3), to: large })
        assert.deepStrictEqual(yield* store.load(name), large)
        // A rebuild may move a checkpoint back to the start.
        yield* store.save(name, { from: large, to: Checkpoint.start })
        assert.deepStrictEqual(yield* store.load(name), Checkpoint.start)
      })
    )

    contract("a save from a stale checkpoint is refused with CheckpointConflict and changes nothing", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const name = fresh()
        yield* store.save(name, { from: Checkpoint.start, to: at(5, 5) })
        for (const stale of [Checkpoint.start, at(4, 9), at(5, 6)]) {
          const error = yield* Effect.flip(store.save(name, { from: stale, to: at(9, 9) }))
          assert.strictEqual(error._tag, "CheckpointConflict")
          const conflict = error as CheckpointConflict
          assert.deepStrictEqual(
            { name: conflict.name, expected: conflict.expected, actual: conflict.actual },
            { name, expected: Checkpoint.format(stale), actual: "5.5" }
          )
        }
        assert.deepStrictEqual(yield* store.load(name), at(5, 5))
      })
    )

    contract("racing saves from one checkpoint: exactly one wins", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const name = fresh()
        yield* store.save(name, { from: Checkpoint.start, to: at(1, 1) })
        const results = yield* Effect.all(
          Array.from({ length: 10 }, (_, i) => Effect.either(store.save(name, { from: at(1, 1), to: at(2, i + 1) }))),
          { concurrency: "unbounded" }
        )
        const winners = results.flatMap((result, i) => (Either.isRight(result) ? [i] : []))
        assert.strictEqual(winners.length, 1)
        assert.deepStrictEqual(yield* store.load(name), at(2, winners[0]! + 1))
      })
    )

    contract("names are independent", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const a = fresh()
        const b = fresh()
        yield* store.save(a, { from: Checkpoint.start, to: at(3, 3) })
        assert.deepStrictEqual(yield* store.load(b), Checkpoint.start)
        yield* store.save(b, { from: Checkpoint.start, to: at(1, 1) })
        assert.deepStrictEqual(yield* store.load(a), at(3, 3))
      })
    )
  })
}
