/** EngagementView: one document per engagement, given / when / then, its views, and a real run. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, Command, EngagementEvent as E, Ids, Stint } from "@stint/core"
import * as EngagementView from "@stint/core/EngagementView"
import { DateTime, Effect, TestClock } from "effect"
import * as ProjectionSpec from "@stint/testing/ProjectionSpec"
import * as F from "./fixtures.js"

const { ana, ben, customers: area, sessionId, at, as, wrapUp } = F
const id = F.engagementId(6)
const other = F.engagementId(7)
const stream = F.stream(id)
const scope = { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 }
const goals = [
  { statement: "Run a discovery call", successCriterion: "One call held" },
  { statement: "Write an interview script", successCriterion: "Script reviewed" }
]

const requested = F.requested(id, { area, need: "Talk to customers", goals, ask: scope })
const countered = E.ScopeCountered.make({
  scope: { sessions: 2, timeBoxDays: 20, sessionMinutes: 30 },
  counteredAt: at(1),
  expiresAt: at(8)
})
const agreed = F.agreed({ scope })
const held = (n: number, minutes = 20) => F.held(n, { minutes })
const retracted = (n: number) =>
  E.SessionRetracted.make({ sessionId: sessionId(n), retractedBy: "mentee", retractedAt: at(2 + n) })
const closed = E.EngagementClosed.make({
  outcome: "ended_early",
  reason: "Ben changed jobs",
  closedBy: Actor.user(ben),
  closedAt: at(10)
})

/** The document right after `requested`. */
const base: EngagementView.Document = {
  engagementId: id,
  menteeId: ben,
  mentorId: ana,
  initiator: "mentee",
  area,
  need: "Talk to customers",
  goals: goals.map((g) => ({ ...g, outcomes: { mentee: null, mentor: null }, met: false })),
  ask: scope,
  counter: null,
  agreement: null,
  state: "requested",
  sessions: { held: 0, cap: 0, remaining: 0, minutes: 0, counted: [] },
  requestedAt: at(0),
  agreedAt: null,
  endsAt: null,
  openExtension: null,
  extensionsAccepted: 0,
  nextDeadline: { kind: "request_expires", at: at(7) },
  closing: null,
  ratings: { mentee: null, mentor: null },
  feedbackWindowDays: 14,
  through: 1
}

/** The document right after `requested, agreed`. */
const active: EngagementView.Document = {
  ...base,
  agreement: scope,
  state: "active",
  sessions: { held: 0, cap: 3, remaining: 3, minutes: 0, counted: [] },
  agreedAt: at(1),
  endsAt: at(31),
  nextDeadline: { kind: "time_box_ends", at: at(31) },
  through: 2
}

describe("EngagementView", () => {
  it("a request: parties, area, need, goals, the ask, and the request's expiry as next deadline", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [requested])
      .thenDocuments({ [id]: base })
      .thenIdempotent()
  })

  it("a counter: countered, the counter scope, and the counter's expiry", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [requested, countered])
      .thenDocuments({
        [id]: {
          ...base,
          state: "countered",
          counter: countered.scope,
          nextDeadline: { kind: "request_expires", at: at(8) },
          through: 2
        }
      })
      .thenIdempotent()
  })

  it("an agreement: active, the agreed scope as cap, agreedAt, endsAt, and the end of the time box next", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [requested, agreed])
      .thenDocuments({ [id]: active })
      .thenIdempotent()
  })

  it("declined, withdrawn, expired: the state, nothing due, no reason kept", () => {
    const end = (event: E.EngagementEvent, state: EngagementView.State) =>
      ProjectionSpec.given(EngagementView.projection)
        .when(stream, [requested, event])
        .thenDocuments({ [id]: { ...base, state, nextDeadline: null, through: 2 } })
        .thenIdempotent()
    end(
      E.EngagementDeclined.make({ declinedBy: "mentor", reason: "Too busy this month", declinedAt: at(2) }),
      "declined"
    )
    end(E.RequestWithdrawn.make({ withdrawnBy: "mentee", withdrawnAt: at(2) }), "withdrawn")
    end(E.RequestExpired.make({ expiredAt: at(7) }), "expired")
  })

  it("sessions: held and minutes count, a retraction takes its session back off", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [requested, agreed, held(1, 25), held(2, 15), retracted(1)])
      .thenDocuments({
        [id]: {
          ...active,
          sessions: { held: 1, cap: 3, remaining: 2, minutes: 15, counted: [{ sessionId: sessionId(2), minutes: 15 }] },
          through: 5
        }
      })
      .thenIdempotent()
  })

  it("wrap-up at the cap: wrapping up, nothing remaining, no deadline", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [requested, agreed, held(1), held(2), held(3), wrapUp("session_cap_reached", 4)])
      .thenDocument(id, {
        ...active,
        state: "wrapping_up",
        sessions: {
          held: 3,
          cap: 3,
          remaining: 0,
          minutes: 60,
          counted: [1, 2, 3].map((n) => ({ sessionId: sessionId(n), minutes: 20 }))
        },
        nextDeadline: null,
        through: 6
      })
      .thenIdempotent()
  })

  it("an extension offered and accepted after the time box elapsed: active again, raised cap, later end", () => {
    const terms = { additionalSessions: 2, additionalDays: 10 }
    const offered = E.ExtensionOffered.make({ terms, offeredAt: at(31) })
    const accepted = E.ExtensionAccepted.make({ terms, sessionCap: 5, endsAt: at(41), acceptedAt: at(32) })
    const spec = ProjectionSpec.given(EngagementView.projection).when(stream, [
      requested,
      agreed,
      held(1),
      wrapUp("time_box_elapsed", 31),
      offered
    ])
    const counted = [{ sessionId: sessionId(1), minutes: 20 }]
    spec.thenDocument(id, {
      ...active,
      state: "wrapping_up",
      sessions: { held: 1, cap: 3, remaining: 2, minutes: 20, counted },
      openExtension: { ...terms, offeredAt: at(31) },
      nextDeadline: null,
      through: 5
    })
    spec
      .when(stream, [accepted])
      .thenDocument(id, {
        ...active,
        state: "active",
        sessions: { held: 1, cap: 5, remaining: 4, minutes: 20, counted },
        endsAt: at(41),
        extensionsAccepted: 1,
        nextDeadline: { kind: "time_box_ends", at: at(41) },
        through: 6
      })
      .thenIdempotent()
  })

  it("an extension declined: no offer open, nothing else changes", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [
        requested,
        agreed,
        E.ExtensionOffered.make({ terms: { additionalSessions: 1, additionalDays: 0 }, offeredAt: at(3) }),
        E.ExtensionDeclined.make({ declinedAt: at(4) })
      ])
      .thenDocument(id, { ...active, through: 4 })
  })

  it("goal outcomes by each role, and met once GoalMet says so", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [
        requested,
        agreed,
        held(1),
        E.GoalOutcomeRecorded.make({ goalIndex: 0, recordedBy: "mentee", outcome: "met", recordedAt: at(3) }),
        E.GoalOutcomeRecorded.make({ goalIndex: 1, recordedBy: "mentor", outcome: "partly_met", recordedAt: at(3) }),
        E.GoalOutcomeRecorded.make({ goalIndex: 0, recordedBy: "mentor", outcome: "met", recordedAt: at(4) }),
        E.GoalMet.make({ goalIndex: 0, metAt: at(4) })
      ])
      .thenDocument(id, {
        ...active,
        goals: [
          { ...goals[0]!, outcomes: { mentee: "met", mentor: "met" }, met: true },
          { ...goals[1]!, outcomes: { mentee: null, mentor: "partly_met" }, met: false }
        ],
        sessions: { held: 1, cap: 3, remaining: 2, minutes: 20, counted: [{ sessionId: sessionId(1), minutes: 20 }] },
        through: 7
      })
      .thenIdempotent()
  })

  it("closing: outcome, when and by whom, the feedback window next; ratings without comments or reason", () => {
    const spec = ProjectionSpec.given(EngagementView.projection).when(stream, [
      requested,
      agreed,
      held(1),
      E.ExtensionOffered.make({ terms: { additionalSessions: 1, additionalDays: 0 }, offeredAt: at(3) }),
      closed,
      E.FeedbackGiven.make({ givenBy: "mentor", rating: 4, comment: "Sharp questions", givenAt: at(11) }),
      E.FeedbackGiven.make({ givenBy: "mentee", rating: 5, givenAt: at(12) })
    ])
    spec
      .thenDocuments({
        [id]: {
          ...active,
          state: "ended_early",
          sessions: { held: 1, cap: 3, remaining: 2, minutes: 20, counted: [{ sessionId: sessionId(1), minutes: 20 }] },
          closing: { outcome: "ended_early", closedAt: at(10), closedBy: Actor.user(ben) },
          nextDeadline: { kind: "feedback_closes", at: at(24) },
          ratings: { mentee: 5, mentor: 4 },
          through: 7
        }
      })
      .thenIdempotent()
  })

  it("no text but the request's own: note, comment and reasons never reach the document (INV-16)", () => {
    const note = E.NoteAdded.make({
      noteId: Ids.NoteId.make("9f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"),
      author: "mentee",
      visibility: "shared",
      text: "secret note text",
      addedAt: at(3)
    })
    const envelopes = ProjectionSpec.envelopes(
      [
        requested,
        agreed,
        held(1),
        note,
        closed,
        E.FeedbackGiven.make({ givenBy: "mentor", rating: 4, comment: "secret comment", givenAt: at(11) })
      ].map((e) => [stream, e] as const)
    )
    const documents = F.rebuild(EngagementView.projection, envelopes)
    const json = JSON.stringify([...documents.values()])
    for (const text of ["secret note text", "secret comment", "Ben changed jobs"]) assert.notInclude(json, text)
    assert.strictEqual(EngagementView.projection.handles.has("NoteAdded"), false)
  })

  it("an event for an engagement never requested makes no document; a second request is ignored", () => {
    ProjectionSpec.given(EngagementView.projection)
      .when(Stint.engagementStream(other), [agreed, held(1), closed])
      .thenDocuments({})
    ProjectionSpec.given(EngagementView.projection)
      .when(stream, [requested, { ...requested, need: "Something else" }])
      .thenDocuments({ [id]: base })
  })

  it("daysLeft: whole days rounded up while live, 0 once passed, undefined otherwise", () => {
    assert.strictEqual(EngagementView.daysLeft(active, at(1)), 30)
    assert.strictEqual(EngagementView.daysLeft(active, at(30, 21)), 1)
    assert.strictEqual(EngagementView.daysLeft(active, at(31)), 0)
    assert.strictEqual(EngagementView.daysLeft(active, at(40)), 0)
    assert.strictEqual(EngagementView.daysLeft({ ...active, state: "wrapping_up" }, at(21)), 10)
    assert.isUndefined(EngagementView.daysLeft(base, at(1)))
    assert.isUndefined(EngagementView.daysLeft({ ...active, state: "completed" }, at(2)))
  })

  it("indexes: by mentee, by mentor and by state, each with the request time", () => {
    const { byMentee, byMentor, byState } = EngagementView.projection.indexes
    const millis = DateTime.toEpochMillis(at(0))
    assert.deepStrictEqual(byMentee!(active, id), ["ben", millis])
    assert.deepStrictEqual(byMentor!(active, id), ["ana", millis])
    assert.deepStrictEqual(byState!(active, id), ["active", millis])
  })

  it("view: both participants, admins and the system see it; any other user nothing", () => {
    const { view } = EngagementView.readModel
    assert.deepStrictEqual(view(active, id, Actor.user(ben)), active)
    assert.deepStrictEqual(view(active, id, Actor.user(ana)), active)
    assert.deepStrictEqual(view(active, id, Actor.admin(Ids.UserId.make("ada"))), active)
    assert.deepStrictEqual(view(active, id, Actor.system), active)
    assert.isUndefined(view(active, id, Actor.user(Ids.UserId.make("eve"))))
  })

  it.effect("a real run: request, agree, sessions, a retraction, an extension, outcomes, closing, feedback", () =>
    Effect.gen(function* () {
      yield* F.startClock
      const stint = yield* Stint.Stint
      const days = (n: number) => TestClock.adjust(`${n} days`)
      const now = DateTime.now
      const engagementId = F.e1

      yield* stint.execute(Command.RegisterMentor.make({ mentorId: ana, areas: [area] }), as(ana))
      yield* stint.execute(
        Command.RequestEngagement.make({
          engagementId,
          mentorId: ana,
          area,
          need: "Talk to customers",
          goals,
          scope: { sessions: 2, timeBoxDays: 14 }
        }),
        as(ben)
      )
      yield* days(1)
      yield* stint.execute(Command.AgreeEngagement.make({ engagementId }), as(ana))
      const agreedAt = yield* now
      yield* days(2)
      yield* stint.execute(
        Command.RecordSession.make({ engagementId, sessionId: sessionId(1), heldAt: yield* now, minutes: 25 }),
        as(ben)
      )
      yield* days(1)
      // The second session reaches the cap (wrap-up); its recorder takes it back.
      yield* stint.execute(
        Command.RecordSession.make({ engagementId, sessionId: sessionId(2), heldAt: yield* now, minutes: 30 }),
        as(ana)
      )
      yield* stint.execute(Command.RetractSession.make({ engagementId, sessionId: sessionId(2) }), as(ana))
      yield* stint.execute(
        Command.OfferExtension.make({ engagementId, additionalSessions: 2, additionalDays: 7 }),
        as(ana)
      )
      const offeredAt = yield* now
      const mid = F.rebuild(EngagementView.projection, yield* F.log).get(engagementId)!
      assert.strictEqual(mid.state, "wrapping_up")
      assert.deepStrictEqual(mid.openExtension, { additionalSessions: 2, additionalDays: 7, offeredAt })
      assert.deepStrictEqual(mid.sessions.held, 1)

      yield* days(1)
      yield* stint.execute(Command.AcceptExtension.make({ engagementId }), as(ben))
      yield* stint.execute(
        Command.RecordSession.make({ engagementId, sessionId: sessionId(3), heldAt: yield* now, minutes: 20 }),
        as(ana)
      )
      yield* stint.execute(Command.RecordGoalOutcome.make({ engagementId, goalIndex: 0, outcome: "met" }), as(ben))
      yield* stint.execute(Command.RecordGoalOutcome.make({ engagementId, goalIndex: 0, outcome: "met" }), as(ana))
      yield* stint.execute(
        Command.RecordGoalOutcome.make({ engagementId, goalIndex: 1, outcome: "partly_met" }),
        as(ben)
      )
      yield* days(1)
      yield* stint.execute(Command.CloseEngagement.make({ engagementId, outcome: "completed" }), as(ben))
      const closedAt = yield* now
      yield* stint.execute(Command.GiveFeedback.make({ engagementId, rating: 5, comment: "Very useful" }), as(ben))
      yield* stint.execute(Command.GiveFeedback.make({ engagementId, rating: 4 }), as(ana))

      const envelopes = yield* F.log
      const documents = F.rebuild(EngagementView.projection, envelopes)
      assert.deepStrictEqual([...documents.keys()], [engagementId])
      const d = documents.get(engagementId)!
      const agreedScope = { sessions: 2, timeBoxDays: 14, sessionMinutes: 20 }
      assert.deepStrictEqual(d, {
        engagementId,
        menteeId: ben,
        mentorId: ana,
        initiator: "mentee",
        area,
        need: "Talk to customers",
        goals: [
          { ...goals[0]!, outcomes: { mentee: "met", mentor: "met" }, met: true },
          { ...goals[1]!, outcomes: { mentee: "partly_met", mentor: null }, met: false }
        ],
        ask: agreedScope,
        counter: null,
        agreement: agreedScope,
        state: "completed",
        sessions: {
          held: 2,
          cap: 4,
          remaining: 2,
          minutes: 45,
          counted: [
            { sessionId: sessionId(1), minutes: 25 },
            { sessionId: sessionId(3), minutes: 20 }
          ]
        },
        requestedAt: at(0),
        agreedAt,
        endsAt: DateTime.add(agreedAt, { days: 21 }),
        openExtension: null,
        extensionsAccepted: 1,
        nextDeadline: { kind: "feedback_closes", at: DateTime.add(closedAt, { days: 14 }) },
        closing: { outcome: "completed", closedAt, closedBy: Actor.user(ben) },
        ratings: { mentee: 5, mentor: 4 },
        feedbackWindowDays: 14,
        through: d.through
      })
      assert.strictEqual(
        d.through,
        envelopes.filter((e) => e.record.streamId === Stint.engagementStream(engagementId)).length
      )
      assert.notInclude(JSON.stringify(d), "Very useful")
      // Any split of the log into two batches gives the same document (INV-19).
      F.assertBatchesAgree(EngagementView.projection, envelopes)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
