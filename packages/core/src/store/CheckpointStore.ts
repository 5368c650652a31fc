/**
 * Where followers of the global log (async projections, processes) keep how far they have read.
 * A save names the checkpoint it moves from, and is refused if another runner moved it first: two
 * runners of one projection can never both apply the same events. On SQL the save joins the caller's
 * transaction, so a projection's documents and its checkpoint commit together.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Checkpoint from "./Checkpoint.js"
import type { StoreError } from "./StoreError.js"

/** The checkpoint was not where the saver read it: another runner moved it. Nothing was saved. */
export class CheckpointConflict extends Schema.TaggedError<CheckpointConflict>()("CheckpointConflict", {
  name: Schema.String,
  expected: Schema.String,
  actual: Schema.String
}) {
  override get message(): string {
    return `checkpoint ${this.name} is at ${this.actual}, expected ${this.expected}: another runner moved it`
  }
}

export interface CheckpointStoreShape {
  /** The named checkpoint; `Checkpoint.start` when it was never saved. */
  readonly load: (name: string) => Effect.Effect<Checkpoint.Checkpoint, StoreError>
  /** Moves the named checkpoint from `from` (what the caller loaded) to `to`. */
  readonly save: (
    name: string,
    move: { readonly from: Checkpoint.Checkpoint; readonly to: Checkpoint.Checkpoint }
  ) => Effect.Effect<void, CheckpointConflict | StoreError>
}

/** Named checkpoints. Provide `layerMemory`, or `@stint/sql`'s `SqlCheckpointStore.layer`. */
export class CheckpointStore extends Context.Tag("@stint/core/CheckpointStore")<
  CheckpointStore,
  CheckpointStoreShape
>() {}

/** Checkpoints in memory: each build starts with none. */
export const makeMemory: Effect.Effect<CheckpointStoreShape> = Effect.sync(() => {
  const saved = new Map<string, Checkpoint.Checkpoint>()
  return CheckpointStore.of({
    load: (name) => Effect.sync(() => saved.get(name) ?? Checkpoint.start),
    // Synchronous check-and-set: no other fiber can run between the comparison and the write.
    save: (name, { from, to }) =>
      Effect.suspend(() => {
        const current = saved.get(name) ?? Checkpoint.start
        if (Checkpoint.compare(current, from) !== 0) {
          return Effect.fail(
            new CheckpointConflict({ name, expected: Checkpoint.format(from), actual: Checkpoint.format(current) })
          )
        }
        saved.set(name, to)
        return Effect.void
      })
  })
})

export const layerMemory: Layer.Layer<CheckpointStore> = Layer.effect(CheckpointStore, makeMemory)
