/** MentorLoad: seats, committed sessions, utilisation, response times, recent sessions, ratings, views. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, EngagementEvent as E, Ids, MentorEvent as M, Stint } from "@stint/core"
import * as MentorLoad from "@stint/core/MentorLoad"
import { DateTime, Effect, TestClock } from "effect"
import * as ProjectionSpec from "@stint/testing/ProjectionSpec"
import * as F from "./fixtures.js"

const { ana, ben, cai, dee, typescript, product, e1, e2, e3, e4, e5, stream, goals, as, at, sessionId: session } = F
const mentorStream = Stint.mentorStream(ana)
const minutesAfter = (t: DateTime.Utc, minutes: number, seconds = 0) => DateTime.add(t, { minutes, seconds })

const registered = (capacity = { engagements: 3, sessions: 8 }) =>
  M.MentorRegistered.make({ mentorId: ana, areas: [typescript, product], capacity, registeredAt: at(0) })
const requested = (id: Ids.EngagementId, overrides: Parameters<typeof F.requested>[1] = {}) =>
  F.requested(id, { ask: { sessions: 3, timeBoxDays: 60, sessionMinutes: 20 }, ...overrides })
const agreed = (agreedAt: DateTime.Utc, agreedBy: "mentee" | "mentor" = "mentor", sessions = 3) =>
  E.EngagementAgreed.make({
    scope: { sessions, timeBoxDays: 60, sessionMinutes: 20 },
    agreedBy,
    agreedAt,
    endsAt: DateTime.add(agreedAt, { days: 60 })
  })
const countered = (counteredAt: DateTime.Utc) =>
  E.ScopeCountered.make({ scope: { sessions: 2, timeBoxDays: 30, sessionMinutes: 20 }, counteredAt, expiresAt: at(8) })
const declined = (declinedAt: DateTime.Utc, declinedBy: "mentee" | "mentor" = "mentor") =>
  E.EngagementDeclined.make({ declinedBy, declinedAt, reason: "Not my area this month" })
const reserved = (id: Ids.EngagementId, sessions: number, reservedAt: DateTime.Utc) =>
  M.SeatReserved.make({ engagementId: id, sessions, reservedAt })
const held = (n: number, day: number) => F.held(n, { heldAt: at(day) })
const feedback = (givenBy: "mentee" | "mentor", rating: number, day: number) =>
  E.FeedbackGiven.make({ givenBy, rating, comment: "Kind and precise", givenAt: at(day) })

/** The document of `ana` just registered with capacity 3 / 8; tests override what their events change. */
const fresh: MentorLoad.MentorLoad = {
  _tag: "MentorLoad",
  mentorId: ana,
  areas: [typescript, product],
  capacity: { engagements: 3, sessions: 8 },
  paused: false,
  seats: [],
  responseMinutes: [],
  sessionsHeld: 0,
  recentSessions: [],
  ratingSum: 0,
  ratingCount: 0,
  newestAt: at(0),
  through: 1,
  active: 0,
  committedSessions: 0,
  committedSessionsRemaining: 0,
  utilisation: { engagements: 0, sessions: 0, overall: 0 },
  atCapacity: false,
  accepting: true,
  medianResponseMinutes: null,
  averageRating: null
}
const load = (overrides: Partial<MentorLoad.MentorLoad>): MentorLoad.MentorLoad => ({ ...fresh, ...overrides })
const mentorId = MentorLoad.mentorDocumentId(ana)

/** The documents after these events, stream by stream, through the reference semantics. */
const documentsOf = (history: Parameters<typeof F.documentsOf>[1]) => F.documentsOf(MentorLoad.projection, history)
const mentorDoc = (documents: ReadonlyMap<string, MentorLoad.Document>): MentorLoad.MentorLoad => {
  const d = documents.get(mentorId)
  assert.isTrue(d?._tag === "MentorLoad", "the mentor document exists")
  return d as MentorLoad.MentorLoad
}

describe("MentorLoad", () => {
  it("registration: areas and capacity, nothing held, accepting", () => {
    ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered()])
      .thenDocuments({ [mentorId]: fresh })
      .thenIdempotent()
  })

  it("seats: active engagements, sessions committed and still to hold, utilisation, helper links", () => {
    ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered()])
      .when(stream(e1), [requested(e1), agreed(at(1))])
      .when(mentorStream, [reserved(e1, 3, at(1))])
      .when(stream(e1), [held(1, 2)])
      .when(stream(e2), [requested(e2, { menteeId: cai, requestedAt: at(1) }), agreed(at(1, 2))])
      .when(mentorStream, [reserved(e2, 2, at(1, 2))])
      .thenDocument(
        mentorId,
        load({
          seats: [
            { engagementId: e1, committed: 3, held: 1 },
            { engagementId: e2, committed: 2, held: 0 }
          ],
          responseMinutes: [
            { minutes: 120, count: 1 },
            { minutes: 1440, count: 1 }
          ],
          sessionsHeld: 1,
          recentSessions: [{ sessionId: session(1), heldAt: at(2) }],
          newestAt: at(2),
          through: 3,
          active: 2,
          committedSessions: 5,
          committedSessionsRemaining: 4,
          utilisation: { engagements: 2 / 3, sessions: 5 / 8, overall: 2 / 3 },
          medianResponseMinutes: 120
        })
      )
      .thenDocument(MentorLoad.engagementDocumentId(e1), {
        _tag: "EngagementLink",
        engagementId: e1,
        mentorId: ana,
        initiator: "mentee",
        requestedAt: at(0),
        responded: true,
        held: 1,
        through: 3
      })
      .thenIdempotent()
  })

  it("an extension raises the committed sessions; a retraction gives one back; a release frees the seat", () => {
    const spec = ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered()])
      .when(stream(e1), [requested(e1), agreed(at(1))])
      .when(mentorStream, [reserved(e1, 3, at(1))])
      .when(stream(e1), [
        held(1, 2),
        held(2, 3),
        E.SessionRetracted.make({ sessionId: session(2), retractedBy: "mentee", retractedAt: at(4) })
      ])
      .when(mentorStream, [M.SeatAdjusted.make({ engagementId: e1, sessions: 5, adjustedAt: at(5) })])
    const during = load({
      seats: [{ engagementId: e1, committed: 5, held: 1 }],
      responseMinutes: [{ minutes: 1440, count: 1 }],
      sessionsHeld: 1,
      recentSessions: [{ sessionId: session(1), heldAt: at(2) }],
      newestAt: at(5),
      through: 3,
      active: 1,
      committedSessions: 5,
      committedSessionsRemaining: 4,
      utilisation: { engagements: 1 / 3, sessions: 5 / 8, overall: 5 / 8 },
      medianResponseMinutes: 1440
    })
    spec.thenDocument(mentorId, during).thenIdempotent()
    spec
      .when(mentorStream, [M.SeatReleased.make({ engagementId: e1, releasedAt: at(6) })])
      .thenDocument(
        mentorId,
        load({
          ...during,
          seats: [],
          newestAt: at(6),
          through: 4,
          active: 0,
          committedSessions: 0,
          committedSessionsRemaining: 0,
          utilisation: { engagements: 0, sessions: 0, overall: 0 }
        })
      )
      .thenIdempotent()
  })

  it("at capacity when a limit is reached; a lowered limit shows above 1; paused mentors do not accept", () => {
    const full = { engagements: 1, sessions: 3 }
    const spec = ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered(full)])
      .when(stream(e1), [requested(e1), agreed(at(1))])
      .when(mentorStream, [reserved(e1, 3, at(1))])
    const atCapacity = load({
      capacity: full,
      seats: [{ engagementId: e1, committed: 3, held: 0 }],
      responseMinutes: [{ minutes: 1440, count: 1 }],
      newestAt: at(1),
      through: 2,
      active: 1,
      committedSessions: 3,
      committedSessionsRemaining: 3,
      utilisation: { engagements: 1, sessions: 1, overall: 1 },
      atCapacity: true,
      accepting: false,
      medianResponseMinutes: 1440
    })
    spec.thenDocument(mentorId, atCapacity)
    const lowered = { engagements: 1, sessions: 2 }
    spec
      .when(mentorStream, [
        M.CapacityChanged.make({ capacity: lowered, changedBy: Actor.admin(dee), changedAt: at(2) }),
        M.MentoringPaused.make({ pausedAt: at(3) })
      ])
      .thenDocument(
        mentorId,
        load({
          ...atCapacity,
          capacity: lowered,
          paused: true,
          newestAt: at(3),
          through: 4,
          utilisation: { engagements: 1, sessions: 1.5, overall: 1.5 }
        })
      )
    spec
      .when(mentorStream, [
        M.MentoringResumed.make({ resumedAt: at(4) }),
        M.CapacityChanged.make({
          capacity: { engagements: 0, sessions: 0 },
          changedBy: Actor.admin(dee),
          changedAt: at(5)
        }),
        M.SeatReleased.make({ engagementId: e1, releasedAt: at(6) })
      ])
      .thenDocument(
        mentorId,
        load({
          ...atCapacity,
          capacity: { engagements: 0, sessions: 0 },
          seats: [],
          newestAt: at(6),
          through: 7,
          active: 0,
          committedSessions: 0,
          committedSessionsRemaining: 0,
          // A zero limit is full, not a division by zero.
          utilisation: { engagements: 1, sessions: 1, overall: 1 }
        })
      )
      .thenIdempotent()
  })

  it("expertise changes replace the areas", () => {
    ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered(), M.ExpertiseChanged.make({ areas: [product], changedAt: at(2) })])
      .thenDocuments({ [mentorId]: load({ areas: [product], newestAt: at(2), through: 2 }) })
  })

  it("response time: the mentor's first answer to a mentee's request, exact to the minute", () => {
    const t0 = at(0)
    ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered()])
      // counter after 30 minutes; the mentee's agreement afterwards is not the mentor's response
      .when(stream(e1), [requested(e1), countered(minutesAfter(t0, 30)), agreed(at(1), "mentee", 2)])
      // agreed after 90 minutes and 59 seconds: whole minutes
      .when(stream(e2), [requested(e2, { menteeId: cai }), agreed(minutesAfter(t0, 90, 59))])
      // declined after 10 minutes
      .when(stream(e3), [requested(e3, { menteeId: dee }), declined(minutesAfter(t0, 10))])
      // a counter the mentee declines: the counter was the response (30 minutes)
      .when(stream(e4), [requested(e4, { menteeId: dee }), countered(minutesAfter(t0, 30)), declined(at(1), "mentee")])
      // the mentor's own offer, answered by the mentee: not a response time
      .when(stream(e5), [requested(e5, { initiator: "mentor" }), agreed(minutesAfter(t0, 5), "mentee")])
      .thenDocument(
        mentorId,
        load({
          responseMinutes: [
            { minutes: 10, count: 1 },
            { minutes: 30, count: 2 },
            { minutes: 90, count: 1 }
          ],
          newestAt: minutesAfter(t0, 90, 59),
          medianResponseMinutes: 30
        })
      )
      .thenIdempotent()
  })

  it("an even number of responses has the lower middle one as median (nearest rank, as ProgramMetrics)", () => {
    const t0 = at(0)
    ProjectionSpec.given(MentorLoad.projection)
      .when(mentorStream, [registered()])
      .when(stream(e1), [requested(e1), declined(minutesAfter(t0, 10))])
      .when(stream(e2), [requested(e2, { menteeId: cai }), countered(minutesAfter(t0, 25))])
      .thenDocument(
        mentorId,
        load({
          responseMinutes: [
            { minutes: 10, count: 1 },
            { minutes: 25, count: 1 }
          ],
          newestAt: minutesAfter(t0, 25),
          medianResponseMinutes: 10
        })
      )
  })

  it("recent sessions: kept within 30 days of the newest event; sessionsInLast30Days counts up to now", () => {
    const documents = documentsOf([
      [mentorStream, [registered()]],
      [stream(e1), [requested(e1), agreed(at(0, 1))]],
      [mentorStream, [reserved(e1, 3, at(0, 1))]],
      [stream(e1), [held(1, 1), held(2, 35), held(3, 40)]]
    ])
    const doc = mentorDoc(documents)
    assert.strictEqual(doc.sessionsHeld, 3)
    assert.deepStrictEqual(doc.recentSessions, [
      { sessionId: session(2), heldAt: at(35) },
      { sessionId: session(3), heldAt: at(40) }
    ])
    assert.strictEqual(MentorLoad.sessionsInLast30Days(doc, at(40)), 2)
    assert.strictEqual(MentorLoad.sessionsInLast30Days(doc, at(65)), 2)
    assert.strictEqual(MentorLoad.sessionsInLast30Days(doc, at(66)), 1)
    assert.strictEqual(MentorLoad.sessionsInLast30Days(doc, at(71)), 0)
    // Sessions after `now` are not in the last 30 days of `now`.
    assert.strictEqual(MentorLoad.sessionsInLast30Days(doc, at(36)), 1)
  })

  it("average rating: the mentees' ratings only, never the comments", () => {
    const documents = documentsOf([
      [mentorStream, [registered()]],
      [stream(e1), [requested(e1), agreed(at(1)), held(1, 2), feedback("mentee", 4, 3), feedback("mentor", 1, 3)]],
      [stream(e2), [requested(e2, { menteeId: cai }), agreed(at(1)), held(2, 2), feedback("mentee", 5, 4)]]
    ])
    const doc = mentorDoc(documents)
    assert.deepStrictEqual([doc.ratingSum, doc.ratingCount, doc.averageRating], [9, 2, 4.5])
    assert.notInclude(JSON.stringify([...documents.values()]), "Kind and precise")
    assert.notInclude(JSON.stringify([...documents.values()]), "Not my area")
  })

  it("unexpected sequences do not throw: events for unknown engagements or mentors change nothing", () => {
    ProjectionSpec.given(MentorLoad.projection)
      .when(stream(e1), [held(1, 2), feedback("mentee", 5, 3)])
      .when(mentorStream, [reserved(e1, 3, at(1)), M.MentoringPaused.make({ pausedAt: at(1) })])
      .thenDocuments({})
    // A request to a mentor the projection never saw registered: only the link, nothing to count into.
    ProjectionSpec.given(MentorLoad.projection)
      .when(stream(e1), [requested(e1), agreed(at(1)), held(1, 2)])
      .thenDocuments({
        [MentorLoad.engagementDocumentId(e1)]: {
          _tag: "EngagementLink",
          engagementId: e1,
          mentorId: ana,
          initiator: "mentee",
          requestedAt: at(0),
          responded: true,
          held: 1,
          through: 3
        }
      })
  })

  it("indexes: byArea lists unpaused mentors under each area by load; atCapacity lists full ones; links never", () => {
    const { byArea, atCapacity } = MentorLoad.projection.indexes
    const open = load({ utilisation: { engagements: 1 / 3, sessions: 0.25, overall: 1 / 3 } })
    assert.deepStrictEqual(byArea!(open, mentorId), [
      [typescript, 1 / 3],
      [product, 1 / 3]
    ])
    assert.isUndefined(byArea!(load({ paused: true }), mentorId))
    assert.isUndefined(atCapacity!(open, mentorId))
    assert.deepStrictEqual(atCapacity!(load({ atCapacity: true }), mentorId), [ana])
    const documents = documentsOf([[stream(e1), [requested(e1)]]])
    const link = documents.get(MentorLoad.engagementDocumentId(e1))!
    assert.isUndefined(byArea!(link, "link"))
    assert.isUndefined(atCapacity!(link, "link"))
  })

  it("view: the mentor, admins and the system see everything; other users the public subset; links nobody", () => {
    const doc = load({ paused: false, accepting: true })
    const { view } = MentorLoad.readModel
    assert.deepStrictEqual(view(doc, mentorId, Actor.user(ana)), doc)
    assert.deepStrictEqual(view(doc, mentorId, Actor.admin(dee)), doc)
    assert.deepStrictEqual(view(doc, mentorId, Actor.system), doc)
    assert.deepStrictEqual(view(doc, mentorId, Actor.user(ben)), {
      mentorId: ana,
      areas: [typescript, product],
      paused: false,
      accepting: true
    })
    const link = documentsOf([[stream(e1), [requested(e1)]]]).get(MentorLoad.engagementDocumentId(e1))!
    assert.isUndefined(view(link, "link", Actor.user(ana)))
    assert.isUndefined(view(link, "link", Actor.admin(dee)))
  })

  it.effect("a real run through Stint: counters, agreements, sessions, notes, an extension, closing, feedback", () =>
    Effect.gen(function* () {
      yield* F.startClock
      const stint = yield* Stint.Stint
      const now = DateTime.now
      yield* stint.execute({ _tag: "RegisterMentor", mentorId: ana, areas: [typescript, product] }, as(ana))
      const ask = (id: Ids.EngagementId, menteeId: Ids.UserId, area: Ids.Area) =>
        stint.execute(
          { _tag: "RequestEngagement", engagementId: id, mentorId: ana, area, need: "Help", goals },
          as(menteeId)
        )
      yield* ask(e1, ben, typescript)
      yield* TestClock.adjust("45 minutes")
      yield* stint.execute({ _tag: "CounterScope", engagementId: e1, scope: { sessions: 2 } }, as(ana))
      yield* stint.execute({ _tag: "AgreeEngagement", engagementId: e1 }, as(ben))
      yield* ask(e2, cai, product)
      yield* TestClock.adjust("2 hours")
      yield* stint.execute({ _tag: "AgreeEngagement", engagementId: e2 }, as(ana))
      yield* ask(e3, dee, typescript)
      yield* TestClock.adjust("1 hour")
      yield* stint.execute({ _tag: "DeclineEngagement", engagementId: e3, reason: "Fully booked" }, as(ana))
      yield* TestClock.adjust("1 day")
      const heldAt = DateTime.subtract(yield* now, { hours: 1 })
      yield* stint.execute(
        { _tag: "RecordSession", engagementId: e1, sessionId: session(1), heldAt, minutes: 20 },
        as(ben)
      )
      yield* stint.execute(
        { _tag: "RecordSession", engagementId: e2, sessionId: session(2), heldAt, minutes: 25 },
        as(ana)
      )
      yield* stint.execute(
        {
          _tag: "AddNote",
          engagementId: e1,
          noteId: Ids.NoteId.make("9f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"),
          visibility: "private",
          text: "secret"
        },
        as(ana)
      )
      yield* stint.execute(
        { _tag: "OfferExtension", engagementId: e2, additionalSessions: 1, additionalDays: 0 },
        as(ana)
      )
      yield* stint.execute({ _tag: "AcceptExtension", engagementId: e2 }, as(cai))
      yield* stint.execute({ _tag: "RecordGoalOutcome", engagementId: e1, goalIndex: 0, outcome: "met" }, as(ben))
      yield* stint.execute({ _tag: "RecordGoalOutcome", engagementId: e1, goalIndex: 0, outcome: "met" }, as(ana))
      yield* stint.execute({ _tag: "CloseEngagement", engagementId: e1, outcome: "completed" }, as(ben))
      yield* stint.execute({ _tag: "GiveFeedback", engagementId: e1, rating: 5, comment: "Great" }, as(ben))
      yield* stint.execute({ _tag: "GiveFeedback", engagementId: e1, rating: 3 }, as(ana))

      const envelopes = yield* F.log
      const documents = F.rebuild(MentorLoad.projection, envelopes)
      const doc = mentorDoc(documents)
      assert.deepStrictEqual(doc.seats, [{ engagementId: e2, committed: 4, held: 1 }])
      assert.deepStrictEqual([doc.active, doc.committedSessions, doc.committedSessionsRemaining], [1, 4, 3])
      assert.deepStrictEqual(doc.utilisation, { engagements: 1 / 3, sessions: 0.5, overall: 0.5 })
      assert.deepStrictEqual(doc.responseMinutes, [
        { minutes: 45, count: 1 },
        { minutes: 60, count: 1 },
        { minutes: 120, count: 1 }
      ])
      assert.strictEqual(doc.medianResponseMinutes, 60)
      assert.deepStrictEqual([doc.sessionsHeld, MentorLoad.sessionsInLast30Days(doc, yield* now)], [2, 2])
      assert.deepStrictEqual([doc.ratingSum, doc.ratingCount, doc.averageRating], [5, 1, 5])
      assert.deepStrictEqual([doc.atCapacity, doc.accepting, doc.paused], [false, true, false])
      const text = JSON.stringify([...documents.values()])
      for (const secret of ["secret", "Great", "Fully booked"]) assert.notInclude(text, secret)
      // The same log in two batches gives the same documents (INV-19).
      F.assertBatchesAgree(MentorLoad.projection, envelopes, [Math.floor(envelopes.length / 2)])
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
