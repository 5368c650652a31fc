/**
 * The commands of the domain. The actor is never part of a command: it comes from the host's
 * authentication and travels beside the command, so a body can never claim to be someone else.
 */
import * as Schema from "effect/Schema"
import { CloseOutcome, GoalOutcome, Visibility } from "../engagement/EngagementEvent.js"
import { Areas } from "../mentor/MentorEvent.js"
import { Area, EngagementId, NoteId, SessionId, UserId } from "../domain/Ids.js"
import { Capacity } from "../domain/Policy.js"
import { Goals, Need } from "../domain/Scope.js"

/** A scope as asked: any part left out takes the policy's default. */
export const ScopeInput = Schema.Struct({
  sessions: Schema.optional(Schema.Int),
  timeBoxDays: Schema.optional(Schema.Int),
  sessionMinutes: Schema.optional(Schema.Int)
})
export type ScopeInput = typeof ScopeInput.Type

const Reason = Schema.Trimmed.pipe(Schema.minLength(1), Schema.maxLength(1000))

// ── engagement ───────────────────────────────────────────────────────────────────────────────

/** The mentee (the actor) asks a mentor for a bounded engagement. */
export const RequestEngagement = Schema.TaggedStruct("RequestEngagement", {
  engagementId: EngagementId,
  mentorId: UserId,
  area: Area,
  need: Need,
  goals: Goals,
  scope: Schema.optional(ScopeInput)
})

/** The mentor (the actor) offers an engagement, e.g. a volunteered follow-up. */
export const OfferEngagement = Schema.TaggedStruct("OfferEngagement", {
  engagementId: EngagementId,
  menteeId: UserId,
  area: Area,
  need: Need,
  goals: Goals,
  scope: Schema.optional(ScopeInput)
})

export const CounterScope = Schema.TaggedStruct("CounterScope", {
  engagementId: EngagementId,
  scope: ScopeInput
})
export const AgreeEngagement = Schema.TaggedStruct("AgreeEngagement", { engagementId: EngagementId })
export const DeclineEngagement = Schema.TaggedStruct("DeclineEngagement", {
  engagementId: EngagementId,
  reason: Schema.optional(Reason)
})
export const WithdrawRequest = Schema.TaggedStruct("WithdrawRequest", { engagementId: EngagementId })
export const ExpireRequest = Schema.TaggedStruct("ExpireRequest", { engagementId: EngagementId })

export const RecordSession = Schema.TaggedStruct("RecordSession", {
  engagementId: EngagementId,
  sessionId: SessionId,
  heldAt: Schema.DateTimeUtc,
  minutes: Schema.Int
})
export const RetractSession = Schema.TaggedStruct("RetractSession", {
  engagementId: EngagementId,
  sessionId: SessionId
})
export const AddNote = Schema.TaggedStruct("AddNote", {
  engagementId: EngagementId,
  noteId: NoteId,
  visibility: Visibility,
  sessionId: Schema.optional(SessionId),
  text: Schema.Trimmed.pipe(Schema.minLength(1), Schema.maxLength(10_000))
})
export const OfferExtension = Schema.TaggedStruct("OfferExtension", {
  engagementId: EngagementId,
  additionalSessions: Schema.Int,
  additionalDays: Schema.Int
})
export const AcceptExtension = Schema.TaggedStruct("AcceptExtension", { engagementId: EngagementId })
export const DeclineExtension = Schema.TaggedStruct("DeclineExtension", { engagementId: EngagementId })
export const ElapseTimeBox = Schema.TaggedStruct("ElapseTimeBox", { engagementId: EngagementId })
export const RecordGoalOutcome = Schema.TaggedStruct("RecordGoalOutcome", {
  engagementId: EngagementId,
  goalIndex: Schema.Int,
  outcome: GoalOutcome
})
export const CloseEngagement = Schema.TaggedStruct("CloseEngagement", {
  engagementId: EngagementId,
  outcome: CloseOutcome,
  reason: Schema.optional(Reason)
})
export const GiveFeedback = Schema.TaggedStruct("GiveFeedback", {
  engagementId: EngagementId,
  rating: Schema.Int,
  comment: Schema.optional(Schema.Trimmed.pipe(Schema.maxLength(2000)))
})

// ── mentor ───────────────────────────────────────────────────────────────────────────────────

/** A user becomes a mentor (themselves, or an admin for them). */
export const RegisterMentor = Schema.TaggedStruct("RegisterMentor", {
  mentorId: UserId,
  areas: Areas,
  capacity: Schema.optional(Capacity)
})
export const ChangeExpertise = Schema.TaggedStruct("ChangeExpertise", { mentorId: UserId, areas: Areas })
/** Lowering capacity never touches engagements already agreed (INV-12). */
export const ChangeCapacity = Schema.TaggedStruct("ChangeCapacity", { mentorId: UserId, capacity: Capacity })
export const PauseMentoring = Schema.TaggedStruct("PauseMentoring", { mentorId: UserId })
export const ResumeMentoring = Schema.TaggedStruct("ResumeMentoring", { mentorId: UserId })

// ── mentee ───────────────────────────────────────────────────────────────────────────────────

/** The mentee (the actor) names the areas they want help in. */
export const DeclareInterests = Schema.TaggedStruct("DeclareInterests", {
  areas: Schema.Array(Area).pipe(Schema.maxItems(20))
})

export const EngagementCommand = Schema.Union(
  RequestEngagement,
  OfferEngagement,
  CounterScope,
  AgreeEngagement,
  DeclineEngagement,
  WithdrawRequest,
  ExpireRequest,
  RecordSession,
  RetractSession,
  AddNote,
  OfferExtension,
  AcceptExtension,
  DeclineExtension,
  ElapseTimeBox,
  RecordGoalOutcome,
  CloseEngagement,
  GiveFeedback
)
export type EngagementCommand = typeof EngagementCommand.Type

export const MentorCommand = Schema.Union(
  RegisterMentor,
  ChangeExpertise,
  ChangeCapacity,
  PauseMentoring,
  ResumeMentoring
)
export type MentorCommand = typeof MentorCommand.Type

export const MenteeCommand = DeclareInterests
export type MenteeCommand = typeof MenteeCommand.Type

/** Every command. */
export const Command = Schema.Union(EngagementCommand, MentorCommand, MenteeCommand)
export type Command = typeof Command.Type
export type CommandType = Command["_tag"]
