/**
 * What an engagement is about and how big it is: the need, one to three goals with success criteria,
 * and a scope of sessions within a time box.
 */
import * as Schema from "effect/Schema"

const Text = (max: number) => Schema.Trimmed.pipe(Schema.minLength(1), Schema.maxLength(max))

/** One goal: what the mentee wants, and how both will know it was reached. */
export const Goal = Schema.Struct({
  statement: Text(500),
  successCriterion: Text(500)
})
export type Goal = typeof Goal.Type

/** One to three goals (INV-04). */
export const Goals = Schema.Array(Goal).pipe(Schema.minItems(1), Schema.maxItems(3))

/** The need in the mentee's words. */
export const Need = Text(2000)

/** A scope: how many sessions, over how many days, of about how many minutes each. */
export const Scope = Schema.Struct({
  sessions: Schema.Int,
  timeBoxDays: Schema.Int,
  sessionMinutes: Schema.Int
})
export type Scope = typeof Scope.Type

/** What an accepted extension adds; the mentor offers it, the mentee accepts it as offered. */
export const ExtensionTerms = Schema.Struct({
  additionalSessions: Schema.Int.pipe(Schema.nonNegative()),
  additionalDays: Schema.Int.pipe(Schema.nonNegative())
})
export type ExtensionTerms = typeof ExtensionTerms.Type
