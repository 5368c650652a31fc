/** Given / when / then: one spec per row of the lifecycle table, and the refusals that guard it. */
import { describe, it } from "@effect/vitest"
import { Actor, EngagementEvent as E, Ids, MenteeEvent as ME, MentorEvent as MR, Policy } from "@stint/core"
import { at, given } from "@stint/testing/DeciderSpec"

const ana = Ids.UserId.make("ana")
const ben = Ids.UserId.make("ben")
const eve = Ids.UserId.make("eve")
const id = Ids.EngagementId.make("6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b")
const s1 = Ids.SessionId.make("1f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b")
const s2 = Ids.SessionId.make("2f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b")
const area = Ids.Area.make("customers")
const mentor = Actor.user(ana)
const mentee = Actor.user(ben)
const stranger = Actor.user(eve)
const goals = [{ statement: "Run a discovery call", successCriterion: "One call held with the script" }]

const registered = [
  MR.MentorRegistered.make({
    mentorId: ana,
    areas: [area],
    capacity: { engagements: 3, sessions: 8 },
    registeredAt: at(0)
  })
]
const requested: ReadonlyArray<E.EngagementEvent> = [
  E.EngagementRequested.make({
    engagementId: id,
    menteeId: ben,
    mentorId: ana,
    initiator: "mentee",
    area,
    need: "Talk to customers",
    goals,
    ask: { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 },
    policy: Policy.defaults,
    requestedAt: at(0),
    expiresAt: at(7)
  })
]
const opened = [ME.RequestOpened.make({ engagementId: id, mentorId: ana, area, initiator: "mentee", openedAt: at(0) })]
const countered = [
  ...requested,
  E.ScopeCountered.make({
    scope: { sessions: 2, timeBoxDays: 21, sessionMinutes: 20 },
    counteredAt: at(1),
    expiresAt: at(8)
  })
]
const active = [
  ...requested,
  E.EngagementAgreed.make({
    scope: { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 },
    agreedBy: "mentor",
    agreedAt: at(1),
    endsAt: at(31)
  })
]
const held = (sessionId: Ids.SessionId, day: number) =>
  E.SessionHeld.make({ sessionId, heldAt: at(day), minutes: 20, recordedBy: "mentee", recordedAt: at(day) })
const withSession = [...active, held(s1, 2)]
/** Three of three sessions held: the engagement is wrapping up. */
const atCap = [
  ...active,
  held(s1, 2),
  held(s2, 3),
  held(Ids.SessionId.make("3f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"), 4),
  E.WrapUpStarted.make({ reason: "session_cap_reached", startedAt: at(4) })
]
const seated = [...registered, MR.SeatReserved.make({ engagementId: id, sessions: 3, reservedAt: at(1) })]

describe("EngagementDecider", () => {
  describe("RequestEngagement", () => {
    it("opens a request on the engagement and the mentee's ledger", () => {
      given({ mentor: registered })
        .when(
          {
            _tag: "RequestEngagement",
            engagementId: id,
            mentorId: ana,
            area,
            need: "Talk to customers",
            goals,
            scope: { sessions: 3 }
          },
          mentee,
          at(0)
        )
        .thenDecides({ engagement: requested, mentee: opened })
    })
    it("INV-03 refuses self-mentoring", () => {
      given({ mentor: registered })
        .when({ _tag: "RequestEngagement", engagementId: id, mentorId: ana, area, need: "n", goals }, mentor, at(0))
        .thenRefused("SelfMentoring", { userId: "ana" })
    })
    it("INV-04 refuses a scope beyond the policy", () => {
      given({ mentor: registered })
        .when(
          {
            _tag: "RequestEngagement",
            engagementId: id,
            mentorId: ana,
            area,
            need: "n",
            goals,
            scope: { sessions: 7 }
          },
          mentee,
          at(0)
        )
        .thenRefused("OutOfBounds", { field: "sessions", value: 7, min: 1, max: 6 })
    })
    it("INV-13 refuses a paused mentor", () => {
      given({ mentor: [...registered, MR.MentoringPaused.make({ pausedAt: at(0) })] })
        .when({ _tag: "RequestEngagement", engagementId: id, mentorId: ana, area, need: "n", goals }, mentee, at(0))
        .thenRefused("MentorPaused")
    })
    it("INV-14 refuses an area the mentor does not offer", () => {
      given({ mentor: registered })
        .when(
          { _tag: "RequestEngagement", engagementId: id, mentorId: ana, area: Ids.Area.make("rust"), need: "n", goals },
          mentee,
          at(0)
        )
        .thenRefused("AreaNotOffered", { area: "rust" })
    })
    it("INV-10 refuses a second live engagement with the same mentor", () => {
      given({ mentor: registered, mentee: opened })
        .when(
          {
            _tag: "RequestEngagement",
            engagementId: Ids.EngagementId.make(crypto.randomUUID()),
            mentorId: ana,
            area,
            need: "n",
            goals
          },
          mentee,
          at(0)
        )
        .thenRefused("LiveEngagementExists", { engagementId: id })
    })
    it("INV-11 refuses during the cooldown, allows after it, and never blocks the mentor's offer", () => {
      const cooled = [
        ME.CooldownStarted.make({ engagementId: id, mentorId: ana, area, closedAt: at(10), until: at(24) })
      ]
      const next = Ids.EngagementId.make(crypto.randomUUID())
      const ask = { _tag: "RequestEngagement", engagementId: next, mentorId: ana, area, need: "n", goals } as const
      given({ mentor: registered, mentee: cooled })
        .when(ask, mentee, at(20))
        .thenRefused("CooldownActive", { until: at(24) })
      given({ mentor: registered, mentee: cooled }).when(ask, mentee, at(24)).thenTypes(["EngagementRequested"])
      given({ mentor: registered, mentee: cooled })
        .when({ _tag: "OfferEngagement", engagementId: next, menteeId: ben, area, need: "n", goals }, mentor, at(20))
        .thenTypes(["EngagementRequested"])
    })
  })

  describe("CounterScope", () => {
    it("counters once, mentor only", () => {
      given({ engagement: requested })
        .when({ _tag: "CounterScope", engagementId: id, scope: { sessions: 2, timeBoxDays: 21 } }, mentor, at(1))
        .thenDecides({ engagement: [countered[1]!] })
      given({ engagement: countered })
        .when({ _tag: "CounterScope", engagementId: id, scope: { sessions: 1 } }, mentor, at(2))
        .thenRefused("AlreadyCountered")
      given({ engagement: requested })
        .when({ _tag: "CounterScope", engagementId: id, scope: { sessions: 1 } }, mentee, at(1))
        .thenRefused("NotAllowed")
    })
  })

  describe("AgreeEngagement", () => {
    it("INV-08 agrees with endsAt counted from the agreement, reserving a seat", () => {
      given({ engagement: countered, mentor: registered, mentee: opened })
        .when({ _tag: "AgreeEngagement", engagementId: id }, mentee, at(2))
        .thenDecides({
          engagement: [
            E.EngagementAgreed.make({
              scope: { sessions: 2, timeBoxDays: 21, sessionMinutes: 20 },
              agreedBy: "mentee",
              agreedAt: at(2),
              endsAt: at(23)
            })
          ],
          mentor: [MR.SeatReserved.make({ engagementId: id, sessions: 2, reservedAt: at(2) })],
          mentee: [ME.RequestResolved.make({ engagementId: id, resolution: "agreed", resolvedAt: at(2) })]
        })
    })
    it("INV-09 refuses at or after the deadline, even before RequestExpired is written", () => {
      given({ engagement: requested, mentor: registered, mentee: opened })
        .when({ _tag: "AgreeEngagement", engagementId: id }, mentor, at(7))
        .thenRefused("RequestExpired", { expiredAt: at(7) })
    })
    it("INV-12 refuses past the mentor's capacity", () => {
      const full = [
        ...registered,
        MR.CapacityChanged.make({ capacity: { engagements: 1, sessions: 8 }, changedBy: mentor, changedAt: at(0) }),
        MR.SeatReserved.make({
          engagementId: Ids.EngagementId.make(crypto.randomUUID()),
          sessions: 2,
          reservedAt: at(0)
        })
      ]
      given({ engagement: requested, mentor: full, mentee: opened })
        .when({ _tag: "AgreeEngagement", engagementId: id }, mentor, at(1))
        .thenRefused("MentorAtCapacity", { engagements: 1, maxEngagements: 1 })
    })
    it("INV-02 the mentee cannot agree to their own request; a third user never", () => {
      given({ engagement: requested, mentor: registered, mentee: opened })
        .when({ _tag: "AgreeEngagement", engagementId: id }, mentee, at(1))
        .thenRefused("NotAllowed")
      given({ engagement: requested, mentor: registered, mentee: opened })
        .when({ _tag: "AgreeEngagement", engagementId: id }, stranger, at(1))
        .thenRefused("NotAllowed")
    })
  })

  describe("DeclineEngagement, WithdrawRequest, ExpireRequest", () => {
    it("the responder declines", () => {
      given({ engagement: requested, mentee: opened })
        .when({ _tag: "DeclineEngagement", engagementId: id }, mentor, at(1))
        .thenTypes(["EngagementDeclined"])
    })
    it("the initiator withdraws", () => {
      given({ engagement: countered, mentee: opened })
        .when({ _tag: "WithdrawRequest", engagementId: id }, mentee, at(2))
        .thenTypes(["RequestWithdrawn"])
    })
    it("INV-09 the system expires at the deadline, once", () => {
      given({ engagement: requested, mentee: opened })
        .when({ _tag: "ExpireRequest", engagementId: id }, Actor.system, at(6))
        .thenRefused("NotDueYet", { dueAt: at(7) })
      given({ engagement: requested, mentee: opened })
        .when({ _tag: "ExpireRequest", engagementId: id }, Actor.system, at(7))
        .thenTypes(["RequestExpired"])
      given({ engagement: [...requested, E.RequestExpired.make({ expiredAt: at(7) })] })
        .when({ _tag: "ExpireRequest", engagementId: id }, Actor.system, at(9))
        .thenDecides({})
    })
  })

  describe("RecordSession and RetractSession", () => {
    it("records a session; the last one under the cap starts the wrap-up", () => {
      given({ engagement: active })
        .when({ _tag: "RecordSession", engagementId: id, sessionId: s1, heldAt: at(2), minutes: 20 }, mentee, at(2))
        .thenTypes(["SessionHeld"])
      given({ engagement: [...active, held(s1, 2), held(s2, 3)] })
        .when(
          {
            _tag: "RecordSession",
            engagementId: id,
            sessionId: Ids.SessionId.make(crypto.randomUUID()),
            heldAt: at(4),
            minutes: 20
          },
          mentor,
          at(4)
        )
        .thenTypes(["SessionHeld", "WrapUpStarted"])
    })
    it("INV-06 refuses past the cap", () => {
      given({ engagement: atCap })
        .when(
          {
            _tag: "RecordSession",
            engagementId: id,
            sessionId: Ids.SessionId.make(crypto.randomUUID()),
            heldAt: at(5),
            minutes: 20
          },
          mentee,
          at(5)
        )
        .thenRefused("SessionCapReached", { cap: 3, held: 3 })
    })
    it("INV-07 refuses sessions in the future, before the agreement or after the end", () => {
      const record = (day: number, now: number) =>
        given({ engagement: active }).when(
          { _tag: "RecordSession", engagementId: id, sessionId: s1, heldAt: at(day), minutes: 20 },
          mentee,
          at(now)
        )
      record(3, 2).thenRefused("SessionOutsideWindow", { reason: "in_future" })
      record(0, 2).thenRefused("SessionOutsideWindow", { reason: "before_agreement" })
      record(32, 33).thenRefused("SessionOutsideWindow", { reason: "after_end" })
    })
    it("refuses a duplicate session and retracts only the recorder's own, within the window", () => {
      given({ engagement: withSession })
        .when({ _tag: "RecordSession", engagementId: id, sessionId: s2, heldAt: at(2), minutes: 20 }, mentor, at(3))
        .thenRefused("DuplicateSession")
      given({ engagement: withSession })
        .when({ _tag: "RetractSession", engagementId: id, sessionId: s1 }, mentor, at(3))
        .thenRefused("NotAllowed")
      given({ engagement: withSession })
        .when({ _tag: "RetractSession", engagementId: id, sessionId: s1 }, mentee, at(3))
        .thenTypes(["SessionRetracted"])
      given({ engagement: withSession })
        .when({ _tag: "RetractSession", engagementId: id, sessionId: s1 }, mentee, at(10))
        .thenRefused("WindowClosed", { window: "correction" })
    })
  })

  describe("Extensions", () => {
    it("INV-05 only the mentor offers; the mentee accepts exactly the offer", () => {
      given({ engagement: active })
        .when({ _tag: "OfferExtension", engagementId: id, additionalSessions: 1, additionalDays: 7 }, mentee, at(5))
        .thenRefused("NotAllowed")
      const offered = [
        ...active,
        E.ExtensionOffered.make({ terms: { additionalSessions: 1, additionalDays: 7 }, offeredAt: at(5) })
      ]
      given({ engagement: offered, mentor: seated })
        .when({ _tag: "AcceptExtension", engagementId: id }, mentee, at(6))
        .thenDecides({
          engagement: [
            E.ExtensionAccepted.make({
              terms: { additionalSessions: 1, additionalDays: 7 },
              sessionCap: 4,
              endsAt: at(38),
              acceptedAt: at(6)
            })
          ],
          mentor: [MR.SeatAdjusted.make({ engagementId: id, sessions: 4, adjustedAt: at(6) })]
        })
      given({ engagement: offered, mentor: seated })
        .when({ _tag: "AcceptExtension", engagementId: id }, mentor, at(6))
        .thenRefused("NotAllowed")
      given({ engagement: offered })
        .when({ _tag: "DeclineExtension", engagementId: id }, mentee, at(6))
        .thenTypes(["ExtensionDeclined"])
    })
    it("an extension adds room where it ran out: a session at the cap, days past the end", () => {
      given({ engagement: atCap })
        .when({ _tag: "OfferExtension", engagementId: id, additionalSessions: 0, additionalDays: 5 }, mentor, at(5))
        .thenRefused("OutOfBounds", { field: "additionalSessions", min: 1 })
      given({ engagement: active })
        .when({ _tag: "OfferExtension", engagementId: id, additionalSessions: 1, additionalDays: 0 }, mentor, at(31))
        .thenRefused("OutOfBounds", { field: "additionalDays", min: 1 })
    })
    it("INV-04 refuses an extension past twice the agreed cap", () => {
      given({ engagement: active })
        .when({ _tag: "OfferExtension", engagementId: id, additionalSessions: 4, additionalDays: 0 }, mentor, at(5))
        .thenRefused("OutOfBounds", { field: "additionalSessions", max: 3 })
    })
  })

  describe("ElapseTimeBox", () => {
    it("wraps up at the end of the time box, once", () => {
      given({ engagement: active })
        .when({ _tag: "ElapseTimeBox", engagementId: id }, Actor.system, at(30))
        .thenRefused("NotDueYet")
      given({ engagement: active })
        .when({ _tag: "ElapseTimeBox", engagementId: id }, Actor.system, at(31))
        .thenTypes(["WrapUpStarted"])
      given({ engagement: [...active, E.WrapUpStarted.make({ reason: "time_box_elapsed", startedAt: at(31) })] })
        .when({ _tag: "ElapseTimeBox", engagementId: id }, Actor.system, at(32))
        .thenDecides({})
    })
  })

  describe("Goals, closing, feedback and notes", () => {
    it("INV-15 an outcome needs a session; GoalMet when both say met", () => {
      given({ engagement: active })
        .when({ _tag: "RecordGoalOutcome", engagementId: id, goalIndex: 0, outcome: "met" }, mentee, at(2))
        .thenRefused("NoSessionHeld")
      const menteeMet = [
        ...withSession,
        E.GoalOutcomeRecorded.make({ goalIndex: 0, recordedBy: "mentee", outcome: "met", recordedAt: at(3) })
      ]
      given({ engagement: withSession })
        .when({ _tag: "RecordGoalOutcome", engagementId: id, goalIndex: 0, outcome: "met" }, mentee, at(3))
        .thenTypes(["GoalOutcomeRecorded"])
      given({ engagement: menteeMet })
        .when({ _tag: "RecordGoalOutcome", engagementId: id, goalIndex: 0, outcome: "met" }, mentor, at(3))
        .thenTypes(["GoalOutcomeRecorded", "GoalMet"])
      given({ engagement: [...menteeMet, E.GoalMet.make({ goalIndex: 0, metAt: at(3) })] })
        .when({ _tag: "RecordGoalOutcome", engagementId: id, goalIndex: 0, outcome: "not_met" }, mentee, at(4))
        .thenRefused("GoalAlreadyMet")
    })
    it("closes as completed or ended early, releasing the seat and starting the cooldown", () => {
      given({ engagement: withSession, mentor: seated })
        .when({ _tag: "CloseEngagement", engagementId: id, outcome: "completed" }, mentor, at(10))
        .thenDecides({
          engagement: [E.EngagementClosed.make({ outcome: "completed", closedBy: mentor, closedAt: at(10) })],
          mentor: [MR.SeatReleased.make({ engagementId: id, releasedAt: at(10) })],
          mentee: [ME.CooldownStarted.make({ engagementId: id, mentorId: ana, area, closedAt: at(10), until: at(24) })]
        })
      given({ engagement: active, mentor: seated })
        .when({ _tag: "CloseEngagement", engagementId: id, outcome: "completed" }, mentor, at(10))
        .thenRefused("NoSessionHeld")
      given({ engagement: active, mentor: seated })
        .when({ _tag: "CloseEngagement", engagementId: id, outcome: "ended_early" }, Actor.admin(eve), at(10))
        .thenRefused("ReasonRequired")
      given({ engagement: active, mentor: seated })
        .when(
          { _tag: "CloseEngagement", engagementId: id, outcome: "ended_early", reason: "mentor left" },
          Actor.admin(eve),
          at(10)
        )
        .thenTypes(["EngagementClosed"])
      given({ engagement: withSession, mentor: seated })
        .when({ _tag: "CloseEngagement", engagementId: id, outcome: "completed" }, Actor.admin(eve), at(10))
        .thenRefused("NotAllowed")
    })
    it("feedback after an early close needs no session; goal outcomes still do", () => {
      const endedEarly = [
        ...active,
        E.EngagementClosed.make({ outcome: "ended_early", reason: "moved teams", closedBy: mentee, closedAt: at(3) })
      ]
      given({ engagement: endedEarly })
        .when({ _tag: "GiveFeedback", engagementId: id, rating: 3 }, mentor, at(4))
        .thenTypes(["FeedbackGiven"])
      given({ engagement: endedEarly })
        .when({ _tag: "RecordGoalOutcome", engagementId: id, goalIndex: 0, outcome: "not_met" }, mentee, at(4))
        .thenRefused("NoSessionHeld")
    })
    it("INV-01 a closed engagement takes feedback within the window and private notes only", () => {
      const closed = [
        ...withSession,
        E.EngagementClosed.make({ outcome: "completed", closedBy: mentor, closedAt: at(10) })
      ]
      given({ engagement: closed })
        .when({ _tag: "GiveFeedback", engagementId: id, rating: 5 }, mentee, at(12))
        .thenTypes(["FeedbackGiven"])
      given({ engagement: closed })
        .when({ _tag: "GiveFeedback", engagementId: id, rating: 5 }, mentee, at(25))
        .thenRefused("WindowClosed", { window: "feedback" })
      given({ engagement: [...closed, E.FeedbackGiven.make({ givenBy: "mentee", rating: 4, givenAt: at(11) })] })
        .when({ _tag: "GiveFeedback", engagementId: id, rating: 5 }, mentee, at(12))
        .thenRefused("FeedbackAlreadyGiven")
      const note = (visibility: "private" | "shared") =>
        given({ engagement: closed }).when(
          {
            _tag: "AddNote",
            engagementId: id,
            noteId: Ids.NoteId.make(crypto.randomUUID()),
            visibility,
            text: "reflection"
          },
          mentor,
          at(12)
        )
      note("private").thenTypes(["NoteAdded"])
      note("shared").thenRefused("NoteNotAllowed")
      given({ engagement: closed })
        .when({ _tag: "RecordSession", engagementId: id, sessionId: s2, heldAt: at(9), minutes: 20 }, mentee, at(12))
        .thenRefused("InvalidTransition")
    })
  })
})
