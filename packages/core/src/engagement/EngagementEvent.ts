/**
 * The events of an engagement stream. Their schemas are the source of truth: the store keeps their
 * encoded form, and reading decodes (and upcasts) through these.
 */
import * as Schema from "effect/Schema"
import { Actor } from "../store/Actor.js"
import { Area, EngagementId, NoteId, SessionId, UserId } from "../domain/Ids.js"
import { Initiator, Role } from "../domain/Party.js"
import { Policy } from "../domain/Policy.js"
import { ExtensionTerms, Goals, Need, Scope } from "../domain/Scope.js"

const Time = Schema.DateTimeUtc

// The parties are shared with the mentee stream; re-exported here, where they were first defined.
export { Initiator, Role } from "../domain/Party.js"

export const GoalOutcome = Schema.Literal("met", "partly_met", "not_met")
export type GoalOutcome = typeof GoalOutcome.Type

export const Visibility = Schema.Literal("private", "shared")
export type Visibility = typeof Visibility.Type

export const CloseOutcome = Schema.Literal("completed", "ended_early")
export type CloseOutcome = typeof CloseOutcome.Type

export const EngagementRequested = Schema.TaggedStruct("EngagementRequested", {
  engagementId: EngagementId,
  menteeId: UserId,
  mentorId: UserId,
  initiator: Initiator,
  area: Area,
  need: Need,
  goals: Goals,
  ask: Scope,
  /** The policy in force when asked; the engagement runs under it to the end. */
  policy: Policy,
  requestedAt: Time,
  expiresAt: Time
})

export const ScopeCountered = Schema.TaggedStruct("ScopeCountered", {
  scope: Scope,
  counteredAt: Time,
  expiresAt: Time
})

export const EngagementAgreed = Schema.TaggedStruct("EngagementAgreed", {
  scope: Scope,
  agreedBy: Role,
  agreedAt: Time,
  /** `agreedAt + scope.timeBoxDays` (INV-08). */
  endsAt: Time
})

export const EngagementDeclined = Schema.TaggedStruct("EngagementDeclined", {
  declinedBy: Role,
  reason: Schema.optional(Schema.String),
  declinedAt: Time
})

export const RequestWithdrawn = Schema.TaggedStruct("RequestWithdrawn", {
  withdrawnBy: Role,
  withdrawnAt: Time
})

export const RequestExpired = Schema.TaggedStruct("RequestExpired", {
  expiredAt: Time
})

export const SessionHeld = Schema.TaggedStruct("SessionHeld", {
  sessionId: SessionId,
  heldAt: Time,
  minutes: Schema.Int,
  recordedBy: Role,
  recordedAt: Time
})

export const WrapUpStarted = Schema.TaggedStruct("WrapUpStarted", {
  reason: Schema.Literal("session_cap_reached", "time_box_elapsed"),
  startedAt: Time
})

export const SessionRetracted = Schema.TaggedStruct("SessionRetracted", {
  sessionId: SessionId,
  retractedBy: Role,
  retractedAt: Time
})

export const NoteAdded = Schema.TaggedStruct("NoteAdded", {
  noteId: NoteId,
  author: Role,
  visibility: Visibility,
  sessionId: Schema.optional(SessionId),
  text: Schema.String,
  addedAt: Time
})

export const ExtensionOffered = Schema.TaggedStruct("ExtensionOffered", {
  terms: ExtensionTerms,
  offeredAt: Time
})

export const ExtensionAccepted = Schema.TaggedStruct("ExtensionAccepted", {
  terms: ExtensionTerms,
  /** The session cap after the extension. */
  sessionCap: Schema.Int,
  /** The end of the time box after the extension. */
  endsAt: Time,
  acceptedAt: Time
})

export const ExtensionDeclined = Schema.TaggedStruct("ExtensionDeclined", {
  declinedAt: Time
})

export const GoalOutcomeRecorded = Schema.TaggedStruct("GoalOutcomeRecorded", {
  goalIndex: Schema.Int,
  recordedBy: Role,
  outcome: GoalOutcome,
  recordedAt: Time
})

export const GoalMet = Schema.TaggedStruct("GoalMet", {
  goalIndex: Schema.Int,
  metAt: Time
})

export const EngagementClosed = Schema.TaggedStruct("EngagementClosed", {
  outcome: CloseOutcome,
  reason: Schema.optional(Schema.String),
  closedBy: Actor,
  closedAt: Time
})

export const FeedbackGiven = Schema.TaggedStruct("FeedbackGiven", {
  givenBy: Role,
  rating: Schema.Int,
  comment: Schema.optional(Schema.String),
  givenAt: Time
})

export const EngagementEvent = Schema.Union(
  EngagementRequested,
  ScopeCountered,
  EngagementAgreed,
  EngagementDeclined,
  RequestWithdrawn,
  RequestExpired,
  SessionHeld,
  WrapUpStarted,
  SessionRetracted,
  NoteAdded,
  ExtensionOffered,
  ExtensionAccepted,
  ExtensionDeclined,
  GoalOutcomeRecorded,
  GoalMet,
  EngagementClosed,
  FeedbackGiven
)
export type EngagementEvent = typeof EngagementEvent.Type
export type EngagementEventType = EngagementEvent["_tag"]
