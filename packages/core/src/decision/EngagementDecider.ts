/**
 * The engagement decider: pure functions from (command, state, now, policy, actor) to events or a
 * typed refusal. Checks run in a fixed order — existence, authority, state, time, bounds — so a
 * third user learns nothing but "not allowed" (INV-02).
 */
import * as DateTime from "effect/DateTime"
import type { Actor } from "../store/Actor.js"
import type * as Command from "./Command.js"
import * as D from "./Decision.js"
import type { Policy } from "../domain/Policy.js"
import * as R from "../domain/Refusal.js"
import type { Goal, Scope } from "../domain/Scope.js"
import * as MenteeState from "../mentee/MenteeState.js"
import * as MentorState from "../mentor/MentorState.js"
import type { EngagementEvent, Role } from "../engagement/EngagementEvent.js"
import * as S from "../engagement/EngagementState.js"

type Cmd<T extends Command.EngagementCommand["_tag"]> = Extract<Command.EngagementCommand, { _tag: T }>
type Engagement = S.Engagement

const day = 24 * 60 * 60 * 1000

/** The role of a user actor in this engagement; undefined for admins, the system and third users. */
const roleOf = (e: Engagement, actor: Actor): Role | undefined =>
  actor._tag === "User" ? S.roleOf(e, actor.userId) : undefined

const transition = (command: string, e: Engagement, allowed: ReadonlyArray<S.Status>): D.Result =>
  D.refuse(new R.InvalidTransition({ command, status: e.status, allowed }))

const within = (field: string, value: number, min: number, max: number): R.OutOfBounds | undefined =>
  Number.isInteger(value) && value >= min && value <= max ? undefined : new R.OutOfBounds({ field, value, min, max })

/** A scope as asked, with the policy's defaults for what it leaves out. */
export const resolveScope = (input: Command.ScopeInput | undefined, policy: Policy): Scope => ({
  sessions: input?.sessions ?? policy.sessionCap.default,
  timeBoxDays: input?.timeBoxDays ?? policy.timeBoxDays.default,
  sessionMinutes: input?.sessionMinutes ?? policy.sessionMinutes.default
})

/** INV-04: every number of a scope within the policy's bounds. */
export const checkScope = (scope: Scope, policy: Policy): R.OutOfBounds | undefined =>
  within("sessions", scope.sessions, policy.sessionCap.min, policy.sessionCap.max) ??
  within("timeBoxDays", scope.timeBoxDays, policy.timeBoxDays.min, policy.timeBoxDays.max) ??
  within("sessionMinutes", scope.sessionMinutes, policy.sessionMinutes.min, policy.sessionMinutes.max)

/** INV-04: one to three goals, each with a statement and a success criterion. */
export const checkGoals = (goals: ReadonlyArray<Goal>): R.OutOfBounds | undefined =>
  within("goals", goals.length, 1, 3) ??
  (goals.every((g) => g.statement.trim().length > 0 && g.successCriterion.trim().length > 0)
    ? undefined
    : new R.OutOfBounds({ field: "goals.text", value: 0, min: 1, max: 500 }))

/** INV-09: a pending engagement cannot be answered at or after its deadline, written or not. */
const expired = (e: Engagement, now: DateTime.Utc): R.RequestExpired | undefined =>
  DateTime.lessThan(now, e.expiresAt) ? undefined : new R.RequestExpired({ expiredAt: e.expiresAt })

/**
 * INV-12: the refusal when `seats` more engagements or `sessions` more sessions exceed the capacity.
 * An extension takes no new seat, so a lowered engagement limit does not block it.
 */
const overCapacity = (mentor: MentorState.Mentor, seats: number, sessions: number): R.MentorAtCapacity | undefined => {
  const committed = MentorState.committedSessions(mentor)
  return (seats > 0 && mentor.seats.size + seats > mentor.capacity.engagements) ||
    committed + sessions > mentor.capacity.sessions
    ? new R.MentorAtCapacity({
        engagements: mentor.seats.size,
        maxEngagements: mentor.capacity.engagements,
        sessions: committed,
        maxSessions: mentor.capacity.sessions,
        requestedSessions: sessions
      })
    : undefined
}

const open = (
  command: Cmd<"RequestEngagement"> | Cmd<"OfferEngagement">,
  input: D.Input,
  menteeId: string,
  mentorId: string
): D.Result => {
  const { now, policy, mentor, mentee } = input
  if (input.engagement !== undefined)
    return D.refuse(new R.EngagementAlreadyExists({ engagementId: command.engagementId }))
  if (menteeId === mentorId) return D.refuse(new R.SelfMentoring({ userId: menteeId }))
  if (mentor === undefined) return D.refuse(new R.MentorNotFound({ mentorId }))
  if (mentor.paused) return D.refuse(new R.MentorPaused({ mentorId }))
  if (!mentor.areas.includes(command.area))
    return D.refuse(new R.AreaNotOffered({ area: command.area, areas: mentor.areas }))
  const goalsError = checkGoals(command.goals)
  if (goalsError) return D.refuse(goalsError)
  const ask = resolveScope(command.scope, policy)
  const scopeError = checkScope(ask, policy)
  if (scopeError) return D.refuse(scopeError)
  const live = MenteeState.liveWith(mentee, mentor.mentorId)
  if (live !== undefined) return D.refuse(new R.LiveEngagementExists({ engagementId: live }))
  const initiator: Role = command._tag === "RequestEngagement" ? "mentee" : "mentor"
  if (initiator === "mentee") {
    const openCount = MenteeState.openRequests(mentee)
    if (openCount >= policy.maxOpenRequests)
      return D.refuse(new R.OpenRequestLimitReached({ limit: policy.maxOpenRequests, open: openCount }))
    // INV-11: a mentor's own offer is never blocked by the cooldown.
    const cooldown = MenteeState.cooldownAt(mentee, mentor.mentorId, command.area, now)
    if (cooldown) return D.refuse(new R.CooldownActive({ until: cooldown.until }))
  }
  return D.accept({
    engagement: [
      {
        _tag: "EngagementRequested",
        engagementId: command.engagementId,
        menteeId: menteeId as S.Engagement["menteeId"],
        mentorId: mentor.mentorId,
        initiator,
        area: command.area,
        need: command.need,
        goals: command.goals,
        ask,
        policy,
        requestedAt: now,
        expiresAt: S.plusDays(now, policy.requestExpiryDays)
      }
    ],
    mentee: [
      {
        _tag: "RequestOpened",
        engagementId: command.engagementId,
        mentorId: mentor.mentorId,
        area: command.area,
        initiator,
        openedAt: now
      }
    ]
  })
}

const decideExisting = (command: Command.EngagementCommand, e: Engagement, input: D.Input): D.Result => {
  const { actor, now } = input
  const role = roleOf(e, actor)
  const policy = e.policy
  const tag = command._tag
  const onlyParticipants = () => D.notAllowed(actor, tag, "only the mentee and the mentor of this engagement may")
  switch (command._tag) {
    case "RequestEngagement":
    case "OfferEngagement":
      return D.refuse(new R.EngagementAlreadyExists({ engagementId: e.engagementId }))

    case "CounterScope": {
      if (role !== "mentor") return D.notAllowed(actor, tag, "only the mentor counters a request")
      if (e.initiator !== "mentee") return D.notAllowed(actor, tag, "only a mentee's request can be countered")
      if (e.status === "countered") return D.refuse(new R.AlreadyCountered())
      if (e.status !== "requested") return transition(tag, e, ["requested"])
      const late = expired(e, now)
      if (late) return D.refuse(late)
      const scope = resolveScope(command.scope, policy)
      const scopeError = checkScope(scope, policy)
      if (scopeError) return D.refuse(scopeError)
      return D.accept({
        engagement: [
          { _tag: "ScopeCountered", scope, counteredAt: now, expiresAt: S.plusDays(now, policy.counterExpiryDays) }
        ]
      })
    }

    case "AgreeEngagement":
    case "DeclineEngagement": {
      if (role === undefined) return onlyParticipants()
      if (!S.isPending(e.status)) return transition(tag, e, ["requested", "countered"])
      const answering = S.partyToAnswer(e)
      if (role !== answering) return D.notAllowed(actor, tag, `the ${answering} answers now`)
      const late = expired(e, now)
      if (late) return D.refuse(late)
      if (command._tag === "DeclineEngagement") {
        return D.accept({
          engagement: [
            {
              _tag: "EngagementDeclined",
              declinedBy: role,
              declinedAt: now,
              ...(command.reason === undefined ? {} : { reason: command.reason })
            }
          ],
          mentee: [{ _tag: "RequestResolved", engagementId: e.engagementId, resolution: "declined", resolvedAt: now }]
        })
      }
      const mentor = input.mentor
      if (mentor === undefined) return D.refuse(new R.MentorNotFound({ mentorId: e.mentorId }))
      if (mentor.paused) return D.refuse(new R.MentorPaused({ mentorId: e.mentorId }))
      const scope = S.proposedScope(e)
      const full = overCapacity(mentor, 1, scope.sessions)
      if (full) return D.refuse(full)
      return D.accept({
        engagement: [
          {
            _tag: "EngagementAgreed",
            scope,
            agreedBy: role,
            agreedAt: now,
            endsAt: S.plusDays(now, scope.timeBoxDays) // INV-08
          }
        ],
        mentor: [{ _tag: "SeatReserved", engagementId: e.engagementId, sessions: scope.sessions, reservedAt: now }],
        mentee: [{ _tag: "RequestResolved", engagementId: e.engagementId, resolution: "agreed", resolvedAt: now }]
      })
    }

    case "WithdrawRequest": {
      if (role === undefined) return onlyParticipants()
      if (role !== e.initiator) return D.notAllowed(actor, tag, `only the ${e.initiator}, who asked, withdraws`)
      if (!S.isPending(e.status)) return transition(tag, e, ["requested", "countered"])
      const late = expired(e, now)
      if (late) return D.refuse(late)
      return D.accept({
        engagement: [{ _tag: "RequestWithdrawn", withdrawnBy: role, withdrawnAt: now }],
        mentee: [{ _tag: "RequestResolved", engagementId: e.engagementId, resolution: "withdrawn", resolvedAt: now }]
      })
    }

    case "ExpireRequest": {
      if (actor._tag !== "System") return D.notAllowed(actor, tag, "only the deadline process expires requests")
      if (e.status === "expired") return D.nothing // expiring twice writes one event (INV-09)
      if (!S.isPending(e.status)) return transition(tag, e, ["requested", "countered"])
      if (DateTime.lessThan(now, e.expiresAt)) return D.refuse(new R.NotDueYet({ command: tag, dueAt: e.expiresAt }))
      return D.accept({
        engagement: [{ _tag: "RequestExpired", expiredAt: e.expiresAt }],
        mentee: [{ _tag: "RequestResolved", engagementId: e.engagementId, resolution: "expired", resolvedAt: now }]
      })
    }

    case "RecordSession": {
      if (role === undefined) return onlyParticipants()
      // At the cap the engagement wraps up; say why a session is refused, not just the state.
      if (e.status === "wrapping_up" && S.sessionsHeld(e) >= e.sessionCap)
        return D.refuse(new R.SessionCapReached({ cap: e.sessionCap, held: S.sessionsHeld(e) }))
      if (e.status !== "active") return transition(tag, e, ["active"])
      const minutesError = within("minutes", command.minutes, policy.sessionMinutes.min, policy.sessionMinutes.max)
      if (minutesError) return D.refuse(minutesError)
      const agreedAt = e.agreedAt!
      const endsAt = e.endsAt!
      const outside = (reason: "before_agreement" | "in_future" | "after_end") =>
        D.refuse(
          new R.SessionOutsideWindow({ heldAt: command.heldAt, reason, windowStart: agreedAt, windowEnd: endsAt })
        )
      if (DateTime.lessThan(command.heldAt, agreedAt)) return outside("before_agreement")
      if (DateTime.greaterThan(command.heldAt, now)) return outside("in_future")
      if (DateTime.greaterThan(command.heldAt, endsAt)) return outside("after_end")
      const same = e.sessions.find(
        (s) => s.sessionId === command.sessionId || (!s.retracted && DateTime.Equivalence(s.heldAt, command.heldAt))
      )
      if (same) return D.refuse(new R.DuplicateSession({ sessionId: same.sessionId, heldAt: same.heldAt }))
      const held = S.sessionsHeld(e)
      if (held >= e.sessionCap) return D.refuse(new R.SessionCapReached({ cap: e.sessionCap, held })) // INV-06
      const events: Array<EngagementEvent> = [
        {
          _tag: "SessionHeld",
          sessionId: command.sessionId,
          heldAt: command.heldAt,
          minutes: command.minutes,
          recordedBy: role,
          recordedAt: now
        }
      ]
      if (held + 1 === e.sessionCap)
        events.push({ _tag: "WrapUpStarted", reason: "session_cap_reached", startedAt: now })
      return D.accept({ engagement: events })
    }

    case "RetractSession": {
      if (role === undefined) return onlyParticipants()
      if (!S.isLive(e.status)) return transition(tag, e, ["active", "wrapping_up"])
      const session = e.sessions.find((s) => s.sessionId === command.sessionId && !s.retracted)
      if (session === undefined) return D.refuse(new R.SessionNotFound({ sessionId: command.sessionId }))
      if (session.recordedBy !== role)
        return D.notAllowed(actor, tag, `only the ${session.recordedBy}, who recorded it, retracts it`)
      const until = S.plusDays(session.recordedAt, policy.correctionWindowDays)
      if (DateTime.greaterThan(now, until))
        return D.refuse(new R.WindowClosed({ window: "correction", closedAt: until }))
      return D.accept({
        engagement: [{ _tag: "SessionRetracted", sessionId: command.sessionId, retractedBy: role, retractedAt: now }]
      })
    }

    case "AddNote": {
      if (role === undefined) return onlyParticipants()
      const allowed = S.isClosed(e.status) ? command.visibility === "private" : !S.isTerminal(e.status)
      if (!allowed) return D.refuse(new R.NoteNotAllowed({ status: e.status, visibility: command.visibility }))
      if (command.sessionId !== undefined && !e.sessions.some((s) => s.sessionId === command.sessionId))
        return D.refuse(new R.SessionNotFound({ sessionId: command.sessionId }))
      return D.accept({
        engagement: [
          {
            _tag: "NoteAdded",
            noteId: command.noteId,
            author: role,
            visibility: command.visibility,
            text: command.text,
            addedAt: now,
            ...(command.sessionId === undefined ? {} : { sessionId: command.sessionId })
          }
        ]
      })
    }

    case "OfferExtension": {
      // INV-05: only the mentor volunteers more.
      if (role !== "mentor") return D.notAllowed(actor, tag, "only the mentor may offer more sessions or time")
      if (!S.isLive(e.status)) return transition(tag, e, ["active", "wrapping_up"])
      if (e.openExtension) return D.refuse(new R.ExtensionAlreadyOffered())
      if (e.extensionsAccepted >= policy.maxExtensions)
        return D.refuse(new R.ExtensionLimitReached({ max: policy.maxExtensions }))
      const maxCap = policy.extensionCapFactor * e.agreed!.sessions
      const currentDays = Math.round(DateTime.distance(e.agreedAt!, e.endsAt!) / day)
      // An extension must add room where the engagement ran out of it: sessions at the cap, days past the end.
      const minSessions = S.sessionsHeld(e) >= e.sessionCap ? 1 : 0
      const minDays = DateTime.greaterThanOrEqualTo(now, e.endsAt!) ? 1 : 0
      const boundsError =
        within("additionalSessions", command.additionalSessions, minSessions, Math.max(0, maxCap - e.sessionCap)) ??
        within("additionalDays", command.additionalDays, minDays, Math.max(0, policy.timeBoxDays.max - currentDays)) ??
        within("extension", command.additionalSessions + command.additionalDays, 1, Number.MAX_SAFE_INTEGER)
      if (boundsError) return D.refuse(boundsError)
      return D.accept({
        engagement: [
          {
            _tag: "ExtensionOffered",
            terms: { additionalSessions: command.additionalSessions, additionalDays: command.additionalDays },
            offeredAt: now
          }
        ]
      })
    }

    case "AcceptExtension":
    case "DeclineExtension": {
      if (role !== "mentee") return D.notAllowed(actor, tag, "only the mentee answers an extension offer")
      if (!S.isLive(e.status)) return transition(tag, e, ["active", "wrapping_up"])
      const terms = e.openExtension
      if (terms === undefined) return D.refuse(new R.NoOpenExtension())
      if (command._tag === "DeclineExtension")
        return D.accept({ engagement: [{ _tag: "ExtensionDeclined", declinedAt: now }] })
      const mentor = input.mentor
      if (mentor === undefined) return D.refuse(new R.MentorNotFound({ mentorId: e.mentorId }))
      const full = overCapacity(mentor, 0, terms.additionalSessions)
      if (full) return D.refuse(full)
      const sessionCap = e.sessionCap + terms.additionalSessions
      return D.accept({
        engagement: [
          {
            _tag: "ExtensionAccepted",
            terms,
            sessionCap,
            endsAt: S.plusDays(e.endsAt!, terms.additionalDays),
            acceptedAt: now
          }
        ],
        mentor: [{ _tag: "SeatAdjusted", engagementId: e.engagementId, sessions: sessionCap, adjustedAt: now }]
      })
    }

    case "ElapseTimeBox": {
      if (actor._tag !== "System") return D.notAllowed(actor, tag, "only the deadline process elapses time boxes")
      if (e.status === "wrapping_up") return D.nothing
      if (e.status !== "active") return transition(tag, e, ["active", "wrapping_up"])
      if (DateTime.lessThan(now, e.endsAt!)) return D.refuse(new R.NotDueYet({ command: tag, dueAt: e.endsAt! }))
      return D.accept({ engagement: [{ _tag: "WrapUpStarted", reason: "time_box_elapsed", startedAt: now }] })
    }

    case "RecordGoalOutcome": {
      if (role === undefined) return onlyParticipants()
      const windowError = afterSessionsOrWithinFeedbackWindow(tag, e, now)
      if (windowError) return windowError
      const goal = e.goals[command.goalIndex]
      if (goal === undefined || !Number.isInteger(command.goalIndex))
        return D.refuse(new R.GoalNotFound({ goalIndex: command.goalIndex, goals: e.goals.length }))
      if (goal.met) return D.refuse(new R.GoalAlreadyMet({ goalIndex: command.goalIndex }))
      const events: Array<EngagementEvent> = [
        {
          _tag: "GoalOutcomeRecorded",
          goalIndex: command.goalIndex,
          recordedBy: role,
          outcome: command.outcome,
          recordedAt: now
        }
      ]
      // INV-15: GoalMet exactly when the rule first holds, and never twice (a met goal takes no outcomes).
      if (S.goalRuleSatisfied(e, { ...goal, [role]: command.outcome }))
        events.push({ _tag: "GoalMet", goalIndex: command.goalIndex, metAt: now })
      return D.accept({ engagement: events })
    }

    case "CloseEngagement": {
      const byAdmin = actor._tag === "Admin"
      if (role === undefined && !(byAdmin && command.outcome === "ended_early"))
        return D.notAllowed(
          actor,
          tag,
          command.outcome === "ended_early"
            ? "only the participants or an admin end an engagement early"
            : "only the participants complete an engagement"
        )
      if (!S.isLive(e.status)) return transition(tag, e, ["active", "wrapping_up"])
      if (command.outcome === "ended_early" && command.reason === undefined)
        return D.refuse(new R.ReasonRequired({ command: tag }))
      if (command.outcome === "completed" && S.sessionsHeld(e) === 0)
        return D.refuse(new R.NoSessionHeld({ command: tag }))
      return D.accept({
        engagement: [
          {
            _tag: "EngagementClosed",
            outcome: command.outcome,
            closedBy: actor,
            closedAt: now,
            ...(command.reason === undefined ? {} : { reason: command.reason })
          }
        ],
        mentor: [{ _tag: "SeatReleased", engagementId: e.engagementId, releasedAt: now }],
        mentee: [
          {
            _tag: "CooldownStarted",
            engagementId: e.engagementId,
            mentorId: e.mentorId,
            area: e.area,
            closedAt: now,
            until: S.plusDays(now, policy.cooldownDays)
          }
        ]
      })
    }

    case "GiveFeedback": {
      if (role === undefined) return onlyParticipants()
      // Feedback: after the first session, or after closing (within the window) even with none held.
      const windowError = afterSessionsOrWithinFeedbackWindow(tag, e, now, { sessionsNeededOnceClosed: false })
      if (windowError) return windowError
      if (e.feedbackFrom.includes(role)) return D.refuse(new R.FeedbackAlreadyGiven({ role }))
      const ratingError = within("rating", command.rating, 1, 5)
      if (ratingError) return D.refuse(ratingError)
      return D.accept({
        engagement: [
          {
            _tag: "FeedbackGiven",
            givenBy: role,
            rating: command.rating,
            givenAt: now,
            ...(command.comment === undefined ? {} : { comment: command.comment })
          }
        ]
      })
    }
  }
}

/** Outcomes and feedback: while live once a session was held, or after closing within the feedback window. */
const afterSessionsOrWithinFeedbackWindow = (
  command: string,
  e: Engagement,
  now: DateTime.Utc,
  options: { readonly sessionsNeededOnceClosed: boolean } = { sessionsNeededOnceClosed: true }
): D.Result | undefined => {
  if (S.isClosed(e.status)) {
    const until = S.plusDays(e.closedAt!, e.policy.feedbackWindowDays)
    if (DateTime.greaterThan(now, until)) return D.refuse(new R.WindowClosed({ window: "feedback", closedAt: until }))
    if (!options.sessionsNeededOnceClosed) return undefined
  } else if (!S.isLive(e.status)) {
    return transition(command, e, ["active", "wrapping_up", "completed", "ended_early"])
  }
  if (S.sessionsHeld(e) === 0) return D.refuse(new R.NoSessionHeld({ command }))
  return undefined
}

/** Decides an engagement command. */
export const decide = (command: Command.EngagementCommand, input: D.Input): D.Result => {
  const { actor, engagement } = input
  if (command._tag === "RequestEngagement") {
    if (actor._tag !== "User") return D.notAllowed(actor, command._tag, "only a mentee asks, for themselves")
    return open(command, input, actor.userId, command.mentorId)
  }
  if (command._tag === "OfferEngagement") {
    if (actor._tag !== "User") return D.notAllowed(actor, command._tag, "only a mentor offers, for themselves")
    return open(command, input, command.menteeId, actor.userId)
  }
  if (engagement === undefined) return D.refuse(new R.EngagementNotFound({ engagementId: command.engagementId }))
  return decideExisting(command, engagement, input)
}
