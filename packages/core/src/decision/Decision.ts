/**
 * What a decider returns: the events for each stream a command touches, or a typed refusal. The
 * handler appends all of a decision's streams atomically, each with its own expected version.
 */
import type * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import type { EngagementEvent } from "../engagement/EngagementEvent.js"
import type { MenteeEvent } from "../mentee/MenteeEvent.js"
import type { MentorEvent } from "../mentor/MentorEvent.js"
import * as Actor from "../store/Actor.js"
import type { Mentee } from "../mentee/MenteeState.js"
import type { MentorState } from "../mentor/MentorState.js"
import type { EngagementState } from "../engagement/EngagementState.js"
import type { Policy } from "../domain/Policy.js"
import { NotAllowed, type Refusal } from "../domain/Refusal.js"

export interface Decision {
  readonly engagement: ReadonlyArray<EngagementEvent>
  readonly mentor: ReadonlyArray<MentorEvent>
  readonly mentee: ReadonlyArray<MenteeEvent>
}

export type Result = Either.Either<Decision, Refusal>

/** Everything a decision may depend on. Time and policy are inputs, so a decision is repeatable (INV-18). */
export interface Input {
  readonly actor: Actor.Actor
  readonly now: DateTime.Utc
  /** The policy in force now; engagements in flight use the copy in their `EngagementRequested`. */
  readonly policy: Policy
  readonly engagement: EngagementState
  readonly mentor: MentorState
  readonly mentee: Mentee
}

export const empty: Decision = { engagement: [], mentor: [], mentee: [] }

export const accept = (decision: Partial<Decision>): Result => Either.right({ ...empty, ...decision })

export const nothing: Result = Either.right(empty)

export const refuse = (refusal: Refusal): Result => Either.left(refusal)

export const notAllowed = (actor: Actor.Actor, command: string, reason: string): Result =>
  refuse(new NotAllowed({ actor: Actor.describe(actor), command, reason }))

/** True when a decision appends nothing (an idempotent no-op such as expiring twice). */
export const isEmpty = (d: Decision): boolean => d.engagement.length + d.mentor.length + d.mentee.length === 0
