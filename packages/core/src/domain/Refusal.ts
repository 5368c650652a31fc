/**
 * The typed refusals of the deciders. Each says what was refused and why, with the numbers a caller
 * needs to act (the cap and the count, the deadline that passed), and has a kind (`kindOf`) from which
 * every host derives its answer: an HTTP status is chosen in the host, from the kind, never per refusal.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"

const Time = Schema.DateTimeUtc

/** The actor may not issue this command on this engagement or stream (INV-02). */
export class NotAllowed extends Schema.TaggedError<NotAllowed>()("NotAllowed", {
  actor: Schema.String,
  command: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.actor} may not ${this.command}: ${this.reason}`
  }
}

/** The command does not apply in the engagement's current state (INV-01). */
export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  command: Schema.String,
  status: Schema.String,
  allowed: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.command} is not possible while the engagement is ${this.status} (only when ${this.allowed.join(" or ")})`
  }
}

export class EngagementNotFound extends Schema.TaggedError<EngagementNotFound>()("EngagementNotFound", {
  engagementId: Schema.String
}) {
  override get message() {
    return `no engagement ${this.engagementId}`
  }
}

export class EngagementAlreadyExists extends Schema.TaggedError<EngagementAlreadyExists>()("EngagementAlreadyExists", {
  engagementId: Schema.String
}) {
  override get message() {
    return `engagement ${this.engagementId} already exists; use a new id`
  }
}

export class MentorNotFound extends Schema.TaggedError<MentorNotFound>()("MentorNotFound", {
  mentorId: Schema.String
}) {
  override get message() {
    return `${this.mentorId} is not registered as a mentor`
  }
}

export class MentorAlreadyRegistered extends Schema.TaggedError<MentorAlreadyRegistered>()("MentorAlreadyRegistered", {
  mentorId: Schema.String
}) {
  override get message() {
    return `${this.mentorId} is already registered as a mentor`
  }
}

/** Mentor and mentee are the same person (INV-03). */
export class SelfMentoring extends Schema.TaggedError<SelfMentoring>()("SelfMentoring", {
  userId: Schema.String
}) {
  override get message() {
    return `${this.userId} cannot mentor themselves`
  }
}

/** A number of a scope, extension, session or rating is outside its bounds (INV-04). */
export class OutOfBounds extends Schema.TaggedError<OutOfBounds>()("OutOfBounds", {
  field: Schema.String,
  value: Schema.Number,
  min: Schema.Number,
  max: Schema.Number
}) {
  override get message() {
    return `${this.field} must be between ${this.min} and ${this.max}, got ${this.value}`
  }
}

/** A pending request or counter passed its deadline; no answer is possible any more (INV-09). */
export class RequestExpired extends Schema.TaggedError<RequestExpired>()("RequestExpired", {
  expiredAt: Time
}) {
  override get message() {
    return `the request expired at ${DateTime.formatIso(this.expiredAt)}`
  }
}

/** A deadline-driven command arrived before its deadline. */
export class NotDueYet extends Schema.TaggedError<NotDueYet>()("NotDueYet", {
  command: Schema.String,
  dueAt: Time
}) {
  override get message() {
    return `${this.command} is not due before ${DateTime.formatIso(this.dueAt)}`
  }
}

/** The mentor already countered once. */
export class AlreadyCountered extends Schema.TaggedError<AlreadyCountered>()("AlreadyCountered", {}) {
  override get message() {
    return "a mentor counters a request at most once"
  }
}

/** Recording this session would exceed the agreed cap (INV-06). */
export class SessionCapReached extends Schema.TaggedError<SessionCapReached>()("SessionCapReached", {
  cap: Schema.Int,
  held: Schema.Int
}) {
  override get message() {
    return `all ${this.cap} agreed sessions are held (${this.held}); only the mentor can offer an extension`
  }
}

/** A session outside the agreed window: before the agreement, in the future or after the end (INV-07). */
export class SessionOutsideWindow extends Schema.TaggedError<SessionOutsideWindow>()("SessionOutsideWindow", {
  heldAt: Time,
  reason: Schema.Literal("before_agreement", "in_future", "after_end"),
  windowStart: Time,
  windowEnd: Time
}) {
  override get message() {
    return `a session at ${DateTime.formatIso(this.heldAt)} is ${this.reason.replace("_", " ")} (window ${DateTime.formatIso(this.windowStart)} – ${DateTime.formatIso(this.windowEnd)})`
  }
}

export class DuplicateSession extends Schema.TaggedError<DuplicateSession>()("DuplicateSession", {
  sessionId: Schema.String,
  heldAt: Time
}) {
  override get message() {
    return `a session at ${DateTime.formatIso(this.heldAt)} is already recorded (${this.sessionId})`
  }
}

export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  sessionId: Schema.String
}) {
  override get message() {
    return `no session ${this.sessionId} in this engagement`
  }
}

/** A window (correction, feedback) has closed. */
export class WindowClosed extends Schema.TaggedError<WindowClosed>()("WindowClosed", {
  window: Schema.Literal("correction", "feedback"),
  closedAt: Time
}) {
  override get message() {
    return `the ${this.window} window closed at ${DateTime.formatIso(this.closedAt)}`
  }
}

export class ExtensionAlreadyOffered extends Schema.TaggedError<ExtensionAlreadyOffered>()(
  "ExtensionAlreadyOffered",
  {}
) {
  override get message() {
    return "an extension offer is already open"
  }
}

export class NoOpenExtension extends Schema.TaggedError<NoOpenExtension>()("NoOpenExtension", {}) {
  override get message() {
    return "there is no open extension offer"
  }
}

export class ExtensionLimitReached extends Schema.TaggedError<ExtensionLimitReached>()("ExtensionLimitReached", {
  max: Schema.Int
}) {
  override get message() {
    return `an engagement takes at most ${this.max} extension(s)`
  }
}

export class GoalNotFound extends Schema.TaggedError<GoalNotFound>()("GoalNotFound", {
  goalIndex: Schema.Int,
  goals: Schema.Int
}) {
  override get message() {
    return `goal ${this.goalIndex} does not exist (the engagement has ${this.goals})`
  }
}

export class GoalAlreadyMet extends Schema.TaggedError<GoalAlreadyMet>()("GoalAlreadyMet", {
  goalIndex: Schema.Int
}) {
  override get message() {
    return `goal ${this.goalIndex} is already met`
  }
}

/** Outcomes, feedback and completion need at least one session held (INV-15). */
export class NoSessionHeld extends Schema.TaggedError<NoSessionHeld>()("NoSessionHeld", {
  command: Schema.String
}) {
  override get message() {
    return `${this.command} needs at least one session held`
  }
}

export class FeedbackAlreadyGiven extends Schema.TaggedError<FeedbackAlreadyGiven>()("FeedbackAlreadyGiven", {
  role: Schema.String
}) {
  override get message() {
    return `the ${this.role} already gave feedback`
  }
}

/** Ending early needs a reason. */
export class ReasonRequired extends Schema.TaggedError<ReasonRequired>()("ReasonRequired", {
  command: Schema.String
}) {
  override get message() {
    return `${this.command} needs a reason`
  }
}

/** Private notes only after closing; no notes on requests that never started. */
export class NoteNotAllowed extends Schema.TaggedError<NoteNotAllowed>()("NoteNotAllowed", {
  status: Schema.String,
  visibility: Schema.String
}) {
  override get message() {
    return `a ${this.visibility} note cannot be added while the engagement is ${this.status}`
  }
}

/** INV-10: the mentee has as many unanswered requests as the policy allows. */
export class OpenRequestLimitReached extends Schema.TaggedError<OpenRequestLimitReached>()("OpenRequestLimitReached", {
  limit: Schema.Int,
  open: Schema.Int
}) {
  override get message() {
    return `${this.open} requests are already waiting for an answer (limit ${this.limit})`
  }
}

/** INV-10: this mentee and mentor already have a live engagement. */
export class LiveEngagementExists extends Schema.TaggedError<LiveEngagementExists>()("LiveEngagementExists", {
  engagementId: Schema.String
}) {
  override get message() {
    return `this mentee and mentor already have a live engagement (${this.engagementId})`
  }
}

/** INV-11: the mentee closed an engagement with this mentor in this area recently. */
export class CooldownActive extends Schema.TaggedError<CooldownActive>()("CooldownActive", {
  until: Time
}) {
  override get message() {
    return `the mentee may ask this mentor in this area again from ${DateTime.formatIso(this.until)}`
  }
}

/** INV-12: agreeing would exceed the mentor's capacity. */
export class MentorAtCapacity extends Schema.TaggedError<MentorAtCapacity>()("MentorAtCapacity", {
  engagements: Schema.Int,
  maxEngagements: Schema.Int,
  sessions: Schema.Int,
  maxSessions: Schema.Int,
  requestedSessions: Schema.Int
}) {
  override get message() {
    return `the mentor is at capacity: ${this.engagements}/${this.maxEngagements} engagements, ${this.sessions}/${this.maxSessions} sessions committed, ${this.requestedSessions} more asked`
  }
}

/** INV-13. */
export class MentorPaused extends Schema.TaggedError<MentorPaused>()("MentorPaused", {
  mentorId: Schema.String
}) {
  override get message() {
    return `${this.mentorId} has paused mentoring`
  }
}

/** INV-14. */
export class AreaNotOffered extends Schema.TaggedError<AreaNotOffered>()("AreaNotOffered", {
  area: Schema.String,
  areas: Schema.Array(Schema.String)
}) {
  override get message() {
    return `the mentor does not offer "${this.area}" (offers: ${this.areas.join(", ")})`
  }
}

/** The schema of every refusal, for encoding them (HTTP bodies, the Promise API). */
export const Refusal = Schema.Union(
  NotAllowed,
  InvalidTransition,
  EngagementNotFound,
  EngagementAlreadyExists,
  MentorNotFound,
  MentorAlreadyRegistered,
  SelfMentoring,
  OutOfBounds,
  RequestExpired,
  NotDueYet,
  AlreadyCountered,
  SessionCapReached,
  SessionOutsideWindow,
  DuplicateSession,
  SessionNotFound,
  WindowClosed,
  ExtensionAlreadyOffered,
  NoOpenExtension,
  ExtensionLimitReached,
  GoalNotFound,
  GoalAlreadyMet,
  NoSessionHeld,
  FeedbackAlreadyGiven,
  ReasonRequired,
  NoteNotAllowed,
  OpenRequestLimitReached,
  LiveEngagementExists,
  CooldownActive,
  MentorAtCapacity,
  MentorPaused,
  AreaNotOffered
)

/** Every refusal a decider can return. */
export type Refusal = typeof Refusal.Type

/**
 * What kind of "no" a refusal is, in domain words, so that every host answers it alike:
 * - `forbidden`: this actor may not do this (here, now, or ever);
 * - `not_found`: the command names an engagement, mentor, session or goal that does not exist;
 * - `invalid`: the command can never be accepted as written, whatever the state;
 * - `conflict`: not in the current state (a cap reached, a window closed, a deadline passed or not due).
 */
export const RefusalKind = Schema.Literal("forbidden", "not_found", "invalid", "conflict")
export type RefusalKind = typeof RefusalKind.Type

/**
 * The kind of every refusal, by tag. Typed by the union's tags, so a refusal added to `Refusal`
 * without a kind (or a kind left for a removed one) fails to compile here.
 */
export const kindByTag: { readonly [Tag in Refusal["_tag"]]: RefusalKind } = {
  NotAllowed: "forbidden",

  EngagementNotFound: "not_found",
  MentorNotFound: "not_found",
  SessionNotFound: "not_found",
  GoalNotFound: "not_found",

  SelfMentoring: "invalid",
  OutOfBounds: "invalid",
  ReasonRequired: "invalid",
  AreaNotOffered: "invalid",

  InvalidTransition: "conflict",
  EngagementAlreadyExists: "conflict",
  MentorAlreadyRegistered: "conflict",
  RequestExpired: "conflict",
  NotDueYet: "conflict",
  AlreadyCountered: "conflict",
  SessionCapReached: "conflict",
  SessionOutsideWindow: "conflict",
  DuplicateSession: "conflict",
  WindowClosed: "conflict",
  ExtensionAlreadyOffered: "conflict",
  NoOpenExtension: "conflict",
  ExtensionLimitReached: "conflict",
  GoalAlreadyMet: "conflict",
  NoSessionHeld: "conflict",
  FeedbackAlreadyGiven: "conflict",
  // The note's visibility is refused in this state (a shared note after closing), not forever.
  NoteNotAllowed: "conflict",
  OpenRequestLimitReached: "conflict",
  LiveEngagementExists: "conflict",
  CooldownActive: "conflict",
  MentorAtCapacity: "conflict",
  MentorPaused: "conflict"
}

/** The kind of a refusal: an instance, or its encoded form (only the `_tag` is read). */
export const kindOf = (refusal: { readonly _tag: Refusal["_tag"] }): RefusalKind => kindByTag[refusal._tag]
