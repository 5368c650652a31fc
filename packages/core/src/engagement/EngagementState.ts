/**
 * The state of one engagement, folded from its events. Only what the decider needs to decide is kept
 * here; read models carry the rest.
 */
import * as DateTime from "effect/DateTime"
import type { Area, EngagementId, SessionId, UserId } from "../domain/Ids.js"
import type { Policy } from "../domain/Policy.js"
import type { ExtensionTerms, Goal, Scope } from "../domain/Scope.js"
import type { CloseOutcome, EngagementEvent, GoalOutcome, Initiator, Role } from "./EngagementEvent.js"

export type Status =
  | "requested"
  | "countered"
  | "active"
  | "wrapping_up"
  | "completed"
  | "ended_early"
  | "declined"
  | "withdrawn"
  | "expired"

export const terminalStatuses: ReadonlyArray<Status> = ["completed", "ended_early", "declined", "withdrawn", "expired"]
export const isTerminal = (status: Status): boolean => terminalStatuses.includes(status)
/** Requested or countered: waiting for an answer. */
export const isPending = (status: Status): boolean => status === "requested" || status === "countered"
/** Agreed and not closed. */
export const isLive = (status: Status): boolean => status === "active" || status === "wrapping_up"
/** Closed after being agreed. */
export const isClosed = (status: Status): boolean => status === "completed" || status === "ended_early"

export interface SessionRecord {
  readonly sessionId: SessionId
  readonly heldAt: DateTime.Utc
  readonly minutes: number
  readonly recordedBy: Role
  readonly recordedAt: DateTime.Utc
  readonly retracted: boolean
}

export interface GoalRecord extends Goal {
  readonly mentee: GoalOutcome | undefined
  readonly mentor: GoalOutcome | undefined
  readonly met: boolean
}

/** An engagement that exists. */
export interface Engagement {
  readonly engagementId: EngagementId
  readonly status: Status
  readonly menteeId: UserId
  readonly mentorId: UserId
  readonly initiator: Initiator
  readonly area: Area
  readonly policy: Policy
  readonly goals: ReadonlyArray<GoalRecord>
  readonly ask: Scope
  readonly counter: Scope | undefined
  /** When the pending request or counter expires. */
  readonly expiresAt: DateTime.Utc
  readonly agreed: Scope | undefined
  readonly agreedAt: DateTime.Utc | undefined
  /** The agreed session cap, raised only by accepted extensions. */
  readonly sessionCap: number
  readonly endsAt: DateTime.Utc | undefined
  readonly sessions: ReadonlyArray<SessionRecord>
  readonly openExtension: ExtensionTerms | undefined
  readonly extensionsAccepted: number
  readonly closedAt: DateTime.Utc | undefined
  readonly outcome: CloseOutcome | undefined
  readonly feedbackFrom: ReadonlyArray<Role>
}

/** No events yet, or the folded engagement. */
export type EngagementState = Engagement | undefined

export const initial: EngagementState = undefined

/** Sessions held and not retracted. */
export const sessionsHeld = (e: Engagement): number => e.sessions.reduce((n, s) => (s.retracted ? n : n + 1), 0)

/** The party who answers a pending engagement: the responder, or the mentee once countered. */
export const partyToAnswer = (e: Engagement): Role =>
  e.status === "countered" ? "mentee" : e.initiator === "mentee" ? "mentor" : "mentee"

/** The scope on the table while pending: the counter if any, else the ask. */
export const proposedScope = (e: Engagement): Scope => e.counter ?? e.ask

export const roleOf = (e: Engagement, userId: UserId): Role | undefined =>
  userId === e.menteeId ? "mentee" : userId === e.mentorId ? "mentor" : undefined

const update = (state: EngagementState, f: (e: Engagement) => Engagement): EngagementState =>
  state === undefined ? state : f(state)

const satisfies = (rule: Policy["goalMetRule"], g: GoalRecord): boolean =>
  rule === "both"
    ? g.mentee === "met" && g.mentor === "met"
    : rule === "mentee"
      ? g.mentee === "met"
      : g.mentor === "met"

/** Whether a goal's recorded outcomes satisfy the engagement's goal-met rule. */
export const goalRuleSatisfied = (e: Engagement, goal: GoalRecord): boolean => satisfies(e.policy.goalMetRule, goal)

/** Applies one event. Pure and total: events were validated when decided. */
export const evolve = (state: EngagementState, event: EngagementEvent): EngagementState => {
  switch (event._tag) {
    case "EngagementRequested":
      return {
        engagementId: event.engagementId,
        status: "requested",
        menteeId: event.menteeId,
        mentorId: event.mentorId,
        initiator: event.initiator,
        area: event.area,
        policy: event.policy,
        goals: event.goals.map((g) => ({ ...g, mentee: undefined, mentor: undefined, met: false })),
        ask: event.ask,
        counter: undefined,
        expiresAt: event.expiresAt,
        agreed: undefined,
        agreedAt: undefined,
        sessionCap: 0,
        endsAt: undefined,
        sessions: [],
        openExtension: undefined,
        extensionsAccepted: 0,
        closedAt: undefined,
        outcome: undefined,
        feedbackFrom: []
      }
    case "ScopeCountered":
      return update(state, (e) => ({ ...e, status: "countered", counter: event.scope, expiresAt: event.expiresAt }))
    case "EngagementAgreed":
      return update(state, (e) => ({
        ...e,
        status: "active",
        agreed: event.scope,
        agreedAt: event.agreedAt,
        sessionCap: event.scope.sessions,
        endsAt: event.endsAt
      }))
    case "EngagementDeclined":
      return update(state, (e) => ({ ...e, status: "declined" }))
    case "RequestWithdrawn":
      return update(state, (e) => ({ ...e, status: "withdrawn" }))
    case "RequestExpired":
      return update(state, (e) => ({ ...e, status: "expired" }))
    case "SessionHeld":
      return update(state, (e) => ({
        ...e,
        sessions: [
          ...e.sessions,
          {
            sessionId: event.sessionId,
            heldAt: event.heldAt,
            minutes: event.minutes,
            recordedBy: event.recordedBy,
            recordedAt: event.recordedAt,
            retracted: false
          }
        ]
      }))
    case "WrapUpStarted":
      return update(state, (e) => ({ ...e, status: "wrapping_up" }))
    case "SessionRetracted":
      return update(state, (e) => ({
        ...e,
        sessions: e.sessions.map((s) => (s.sessionId === event.sessionId ? { ...s, retracted: true } : s))
      }))
    case "NoteAdded":
      return state
    case "ExtensionOffered":
      return update(state, (e) => ({ ...e, openExtension: event.terms }))
    case "ExtensionAccepted":
      return update(state, (e) => ({
        ...e,
        status: "active",
        openExtension: undefined,
        extensionsAccepted: e.extensionsAccepted + 1,
        sessionCap: event.sessionCap,
        endsAt: event.endsAt
      }))
    case "ExtensionDeclined":
      return update(state, (e) => ({ ...e, openExtension: undefined }))
    case "GoalOutcomeRecorded":
      return update(state, (e) => ({
        ...e,
        goals: e.goals.map((g, i) => (i === event.goalIndex ? { ...g, [event.recordedBy]: event.outcome } : g))
      }))
    case "GoalMet":
      return update(state, (e) => ({
        ...e,
        goals: e.goals.map((g, i) => (i === event.goalIndex ? { ...g, met: true } : g))
      }))
    case "EngagementClosed":
      return update(state, (e) => ({
        ...e,
        status: event.outcome,
        outcome: event.outcome,
        closedAt: event.closedAt,
        openExtension: undefined
      }))
    case "FeedbackGiven":
      return update(state, (e) => ({ ...e, feedbackFrom: [...e.feedbackFrom, event.givenBy] }))
  }
}

/** Folds a whole history. */
export const fold = (events: Iterable<EngagementEvent>, from: EngagementState = initial): EngagementState => {
  let state = from
  for (const event of events) state = evolve(state, event)
  return state
}

/** `at + days`, the one way the domain adds days. */
export const plusDays = (at: DateTime.Utc, days: number): DateTime.Utc => DateTime.add(at, { days })
