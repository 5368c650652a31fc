/**
 * EngagementView: one document per engagement (keyed by its id) with what its page shows: the
 * parties, area, need, goals and their status, the ask, counter and agreement, the state, sessions
 * against the cap, the time box, the extension on offer, the next deadline, the closing and the
 * ratings. Seen by the two participants, admins and the system.
 *
 * INV-16: no text written in the engagement's course is kept here: no notes (see `SessionJournal`), no
 * feedback comments, no decline or close reasons. Only the need and goals, which the request states.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { Actor } from "../store/Actor.js"
import { Area, EngagementId, SessionId, UserId } from "../domain/Ids.js"
import { Scope } from "../domain/Scope.js"
import {
  CloseOutcome,
  type EngagementEvent,
  type EngagementRequested,
  GoalOutcome,
  Initiator
} from "../engagement/EngagementEvent.js"
import { plusDays, type Status } from "../engagement/EngagementState.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as StreamId from "../store/StreamId.js"
import { DeadlineKind } from "./Deadlines.js"

const Time = Schema.DateTimeUtc

/** The lifecycle state (see DOMAIN.md): the same values as the decider's. */
export const State: Schema.Schema<Status> = Schema.Literal(
  "requested",
  "countered",
  "active",
  "wrapping_up",
  "completed",
  "ended_early",
  "declined",
  "withdrawn",
  "expired"
)
export type State = typeof State.Type

/** A goal as asked, with the outcome each participant recorded (null until they do) and whether it is met. */
export const GoalStatus = Schema.Struct({
  statement: Schema.String,
  successCriterion: Schema.String,
  outcomes: Schema.Struct({ mentee: Schema.NullOr(GoalOutcome), mentor: Schema.NullOr(GoalOutcome) }),
  /** Set by `GoalMet`, when the engagement's goal-met rule was satisfied. */
  met: Schema.Boolean
})
export type GoalStatus = typeof GoalStatus.Type

/** A session counted against the cap: its minutes are kept so a retraction can take them back off. */
export const CountedSession = Schema.Struct({ sessionId: SessionId, minutes: Schema.Int })
export type CountedSession = typeof CountedSession.Type

/** Sessions held (retracted ones not counted) against the current cap. */
export const Sessions = Schema.Struct({
  held: Schema.Int,
  /** The agreed cap, raised by accepted extensions; 0 until agreed. */
  cap: Schema.Int,
  /** `cap - held`, never below 0. */
  remaining: Schema.Int,
  /** Minutes of the sessions held. */
  minutes: Schema.Int,
  counted: Schema.Array(CountedSession)
})
export type Sessions = typeof Sessions.Type

/** The extension the mentor offers and the mentee has not answered yet. */
export const OpenExtension = Schema.Struct({
  additionalSessions: Schema.Int,
  additionalDays: Schema.Int,
  offeredAt: Time
})
export type OpenExtension = typeof OpenExtension.Type

/**
 * What falls due next: the request (or counter) expires while requested or countered, the time box
 * ends while active, the feedback window closes after closing; none while wrapping up or once
 * declined, withdrawn or expired.
 */
export const NextDeadline = Schema.Struct({ kind: DeadlineKind, at: Time })
export type NextDeadline = typeof NextDeadline.Type

/** How the engagement was closed, when and by whom (a participant, or an admin ending it early). */
export const Closing = Schema.Struct({ outcome: CloseOutcome, closedAt: Time, closedBy: Actor })
export type Closing = typeof Closing.Type

/** The document of one engagement. */
export const Document = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  mentorId: UserId,
  initiator: Initiator,
  area: Area,
  need: Schema.String,
  goals: Schema.Array(GoalStatus),
  ask: Scope,
  /** The mentor's counter-scope, if they countered. */
  counter: Schema.NullOr(Scope),
  /** The scope agreed (before extensions), once agreed. */
  agreement: Schema.NullOr(Scope),
  state: State,
  sessions: Sessions,
  requestedAt: Time,
  agreedAt: Schema.NullOr(Time),
  /** The end of the time box (`agreedAt + timeBoxDays`, moved by accepted extensions); see `daysLeft`. */
  endsAt: Schema.NullOr(Time),
  openExtension: Schema.NullOr(OpenExtension),
  extensionsAccepted: Schema.Int,
  nextDeadline: Schema.NullOr(NextDeadline),
  closing: Schema.NullOr(Closing),
  /** The rating (1 to 5) each participant gave; comments are never kept here. */
  ratings: Schema.Struct({ mentee: Schema.NullOr(Schema.Int), mentor: Schema.NullOr(Schema.Int) }),
  /** From the policy copied into the request: how long after closing outcomes and feedback are accepted. */
  feedbackWindowDays: Schema.Int,
  /** The last stream version applied: a redelivered event is ignored. */
  through: Schema.Int
})
export type Document = typeof Document.Type

const day = 24 * 60 * 60 * 1000

/**
 * Whole days left in the time box at `now`, rounded up (a box ending in three hours has one day
 * left), 0 once it has passed; undefined unless the engagement is active or wrapping up.
 */
export const daysLeft = (document: Document, now: DateTime.Utc): number | undefined => {
  if (document.endsAt === null || (document.state !== "active" && document.state !== "wrapping_up")) return undefined
  const left = DateTime.toEpochMillis(document.endsAt) - DateTime.toEpochMillis(now)
  return Math.max(0, Math.ceil(left / day))
}

const requested = (id: string, event: typeof EngagementRequested.Type, version: number): Document => ({
  engagementId: EngagementId.make(id),
  menteeId: event.menteeId,
  mentorId: event.mentorId,
  initiator: event.initiator,
  area: event.area,
  need: event.need,
  goals: event.goals.map((g) => ({
    statement: g.statement,
    successCriterion: g.successCriterion,
    outcomes: { mentee: null, mentor: null },
    met: false
  })),
  ask: event.ask,
  counter: null,
  agreement: null,
  state: "requested",
  sessions: { held: 0, cap: 0, remaining: 0, minutes: 0, counted: [] },
  requestedAt: event.requestedAt,
  agreedAt: null,
  endsAt: null,
  openExtension: null,
  extensionsAccepted: 0,
  nextDeadline: { kind: "request_expires", at: event.expiresAt },
  closing: null,
  ratings: { mentee: null, mentor: null },
  feedbackWindowDays: event.policy.feedbackWindowDays,
  through: version
})

const withSessions = (cap: number, counted: ReadonlyArray<CountedSession>): Sessions => ({
  held: counted.length,
  cap,
  remaining: Math.max(0, cap - counted.length),
  minutes: counted.reduce((n, s) => n + s.minutes, 0),
  counted
})

const updateGoal = (d: Document, index: number, f: (g: GoalStatus) => GoalStatus): ReadonlyArray<GoalStatus> =>
  d.goals.map((g, i) => (i === index ? f(g) : g))

/** The document after one event of its stream (the request aside). */
const evolve = (d: Document, event: EngagementEvent): Document => {
  switch (event._tag) {
    case "ScopeCountered":
      return {
        ...d,
        state: "countered",
        counter: event.scope,
        nextDeadline: { kind: "request_expires", at: event.expiresAt }
      }
    case "EngagementAgreed":
      return {
        ...d,
        state: "active",
        agreement: event.scope,
        agreedAt: event.agreedAt,
        endsAt: event.endsAt,
        sessions: withSessions(event.scope.sessions, d.sessions.counted),
        nextDeadline: { kind: "time_box_ends", at: event.endsAt }
      }
    case "EngagementDeclined":
      return { ...d, state: "declined", nextDeadline: null }
    case "RequestWithdrawn":
      return { ...d, state: "withdrawn", nextDeadline: null }
    case "RequestExpired":
      return { ...d, state: "expired", nextDeadline: null }
    case "SessionHeld":
      return {
        ...d,
        sessions: withSessions(d.sessions.cap, [
          ...d.sessions.counted,
          { sessionId: event.sessionId, minutes: event.minutes }
        ])
      }
    case "SessionRetracted":
      return {
        ...d,
        sessions: withSessions(
          d.sessions.cap,
          d.sessions.counted.filter((s) => s.sessionId !== event.sessionId)
        )
      }
    case "WrapUpStarted":
      return { ...d, state: "wrapping_up", nextDeadline: null }
    case "ExtensionOffered":
      return { ...d, openExtension: { ...event.terms, offeredAt: event.offeredAt } }
    case "ExtensionAccepted":
      return {
        ...d,
        state: "active",
        openExtension: null,
        extensionsAccepted: d.extensionsAccepted + 1,
        endsAt: event.endsAt,
        sessions: withSessions(event.sessionCap, d.sessions.counted),
        nextDeadline: { kind: "time_box_ends", at: event.endsAt }
      }
    case "ExtensionDeclined":
      return { ...d, openExtension: null }
    case "GoalOutcomeRecorded": {
      const by = event.recordedBy
      return {
        ...d,
        goals: updateGoal(d, event.goalIndex, (g) => ({
          ...g,
          outcomes:
            by === "mentee" ? { ...g.outcomes, mentee: event.outcome } : { ...g.outcomes, mentor: event.outcome }
        }))
      }
    }
    case "GoalMet":
      return { ...d, goals: updateGoal(d, event.goalIndex, (g) => ({ ...g, met: true })) }
    case "EngagementClosed":
      // The reason an engagement ended early is the closer's own words: left out (INV-16).
      return {
        ...d,
        state: event.outcome,
        openExtension: null,
        closing: { outcome: event.outcome, closedAt: event.closedAt, closedBy: event.closedBy },
        nextDeadline: { kind: "feedback_closes", at: plusDays(event.closedAt, d.feedbackWindowDays) }
      }
    case "FeedbackGiven":
      // The rating only; the comment stays in the event.
      return {
        ...d,
        ratings:
          event.givenBy === "mentee" ? { ...d.ratings, mentee: event.rating } : { ...d.ratings, mentor: event.rating }
      }
    default:
      return d
  }
}

// Every engagement event but `NoteAdded`: notes live in `SessionJournal` only.
const handled = [
  "EngagementRequested",
  "ScopeCountered",
  "EngagementAgreed",
  "EngagementDeclined",
  "RequestWithdrawn",
  "RequestExpired",
  "SessionHeld",
  "WrapUpStarted",
  "SessionRetracted",
  "ExtensionOffered",
  "ExtensionAccepted",
  "ExtensionDeclined",
  "GoalOutcomeRecorded",
  "GoalMet",
  "EngagementClosed",
  "FeedbackGiven"
] as const

const engagementTags: ReadonlySet<string> = new Set(handled)
const isEngagementEvent = (event: Envelope["event"]): event is EngagementEvent => engagementTags.has(event._tag)

const apply = (
  { event, record }: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const id = StreamId.idOf(record.streamId)
  const current = documents.get(id)
  if (event._tag === "EngagementRequested")
    return current === undefined ? [Projection.put(id, requested(id, event, record.version))] : []
  if (current === undefined || record.version <= current.through || !isEngagementEvent(event)) return []
  return [Projection.put(id, { ...evolve(current, event), through: record.version })]
}

const requestedMillis = (d: Document) => DateTime.toEpochMillis(d.requestedAt)

/** The engagement-view projection. */
export const projection = Projection.make({
  name: "engagement-view",
  version: 1,
  handles: handled,
  document: Document,
  apply,
  indexes: {
    /** `[menteeId, requestedAt]`: a mentee's engagements, oldest or newest first. */
    byMentee: (d) => [d.menteeId, requestedMillis(d)],
    /** `[mentorId, requestedAt]`: a mentor's engagements. */
    byMentor: (d) => [d.mentorId, requestedMillis(d)],
    /** `[state, requestedAt]`: the programme's engagements in one state (all active ones, all pending…). */
    byState: (d) => [d.state, requestedMillis(d)]
  }
})

/** Who may see an engagement: its two participants, admins and the system; any other user nothing. */
export const view = (document: Document, _id: string, viewer: Actor): Document | undefined => {
  if (viewer._tag !== "User") return document
  return viewer.userId === document.menteeId || viewer.userId === document.mentorId ? document : undefined
}

/** The engagement-view read model. */
export const readModel = ReadModel.make(projection, view)
