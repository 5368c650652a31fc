/**
 * A point in the global log. Events are read in `(commit, position)` order and a checkpoint is the
 * last pair read: on PostgreSQL `commit` is the writing transaction (visible only once every older
 * transaction has finished), so ordering and checkpointing by the same composite key never skips an
 * event that commits late. Stores with one writer use an increasing append counter for `commit`.
 */
import * as Schema from "effect/Schema"

export const Checkpoint = Schema.Struct({
  commit: Schema.BigInt,
  position: Schema.BigInt
})
export type Checkpoint = typeof Checkpoint.Type

/** Before the first event. */
export const start: Checkpoint = { commit: 0n, position: 0n }

/** Orders checkpoints: negative, zero or positive like a comparator. */
export const compare = (a: Checkpoint, b: Checkpoint): -1 | 0 | 1 =>
  a.commit < b.commit ? -1 : a.commit > b.commit ? 1 : a.position < b.position ? -1 : a.position > b.position ? 1 : 0

/** `commit.position`, the form used in URLs and `Last-Event-ID`. */
export const format = (c: Checkpoint): string => `${c.commit}.${c.position}`

/** Parses `commit.position`; undefined when malformed. */
export const parse = (text: string): Checkpoint | undefined => {
  const m = /^(\d{1,20})\.(\d{1,20})$/.exec(text)
  return m ? { commit: BigInt(m[1]!), position: BigInt(m[2]!) } : undefined
}
