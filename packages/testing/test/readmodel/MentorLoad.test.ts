/** MentorLoad: seats, committed sessions, utilisation, response times, recent sessions, ratings, views. */
import { assert, describe, expect, it } from "@effect/vitest"
import { Actor, EngagementEvent as E, Ids, MentorEvent as M, Policy, Stint } from "@stint/core"
import type { DomainEvent } from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import * as MentorLoad from "@stint/core/MentorLoad"
import type { StreamId } from "@stint/core/StreamId"
import { Chunk, DateTime, Effect, Stream, TestClock } from "effect"
import { at } from "../../src/DeciderSpec.js"
import * as ProjectionSpec from "../../src/ProjectionSpec.js"

const ana = Ids.UserId.make("ana")
const ben = Ids.UserId.make("ben")
const cai = Ids.UserId.make("cai")
const dee = Ids.UserId.make("dee")
const typescript = Ids.Area.make("typescript")
const product = Ids.Area.make("product")
const engagement = (n: number) => Ids.EngagementId.make(`${n}0000000-0000-4000-8000-000000000000`)
const session = (n: number) => Ids.SessionId.make(`${n}1111111-1111-4111-8111-111111111111`)
const [e1, e2, e3, e4, e5] = [1, 2, 3, 4, 5].map(engagement) as [
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId
]
const mentorStream = Stint.mentorStream(ana)
const stream = (id: Ids.EngagementId) => Stint.engagementStream(id)
const minutesAfter = (t: DateTime.Utc, minutes: number, seconds = 0) => DateTime.add(t, { minutes, seconds })
const goals = [{ statement: "Ship a typed API", successCriterion: "Reviewed and merged" }]

const registered = (capacity = { engagements: 3, sessions: 8 }) =>
  M.MentorRegistered.make({ mentorId: ana, areas: [typescript, product], capacity, registeredAt: at(0) })
const requested = (
  id: Ids.EngagementId,
  options: { menteeId?: Ids.UserId; initiator?: "mentee" | "mentor"; requestedAt?: DateTime.Utc } = {}
) =>
  E.EngagementRequested.make({
    engagementId: id,
    menteeId: options.menteeId ?? ben,
    mentorId: ana,
    initiator: options.initiator ?? "mentee",
    area: typescript,
    need: "Help me type my API",
    goals,
    ask: { sessions: 3, timeBoxDays: 60, sessionMinutes: 20 },
    policy: Policy.defaults,
    requestedAt: options.requestedAt ?? at(0),
    expiresAt: at(7)
  })
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
const held = (n: number, day: number) =>
  E.SessionHeld.make({ sessionId: session(n), heldAt: at(day), minutes: 20, recordedBy: "mentee", recordedAt: at(day) })
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
const documentsOf = (history: ReadonlyArray<readonly [StreamId, ReadonlyArray<DomainEvent>]>) =>
  Projection.applyAll(
    MentorLoad.projection,
    new Map(),
    ProjectionSpec.envelopes(history.flatMap(([s, events]) => events.map((e) => [s, e] as const)))
  )
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
    expect(doc.sessionsHeld).toBe(3)
    expect(doc.recentSessions).toEqual([
      { sessionId: session(2), heldAt: at(35) },
      { sessionId: session(3), heldAt: at(40) }
    ])
    expect(MentorLoad.sessionsInLast30Days(doc, at(40))).toBe(2)
    expect(MentorLoad.sessionsInLast30Days(doc, at(65))).toBe(2)
    expect(MentorLoad.sessionsInLast30Days(doc, at(66))).toBe(1)
    expect(MentorLoad.sessionsInLast30Days(doc, at(71))).toBe(0)
    // Sessions after `now` are not in the last 30 days of `now`.
    expect(MentorLoad.sessionsInLast30Days(doc, at(36))).toBe(1)
  })

  it("average rating: the mentees' ratings only, never the comments", () => {
    const documents = documentsOf([
      [mentorStream, [registered()]],
      [stream(e1), [requested(e1), agreed(at(1)), held(1, 2), feedback("mentee", 4, 3), feedback("mentor", 1, 3)]],
      [stream(e2), [requested(e2, { menteeId: cai }), agreed(at(1)), held(2, 2), feedback("mentee", 5, 4)]]
    ])
    const doc = mentorDoc(documents)
    expect([doc.ratingSum, doc.ratingCount, doc.averageRating]).toEqual([9, 2, 4.5])
    expect(JSON.stringify([...documents.values()])).not.toContain("Kind and precise")
    expect(JSON.stringify([...documents.values()])).not.toContain("Not my area")
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
    expect(byArea!(open, mentorId)).toEqual([
      [typescript, 1 / 3],
      [product, 1 / 3]
    ])
    expect(byArea!(load({ paused: true }), mentorId)).toBeUndefined()
    expect(atCapacity!(open, mentorId)).toBeUndefined()
    expect(atCapacity!(load({ atCapacity: true }), mentorId)).toEqual([ana])
    const documents = documentsOf([[stream(e1), [requested(e1)]]])
    const link = documents.get(MentorLoad.engagementDocumentId(e1))!
    expect(byArea!(link, "link")).toBeUndefined()
    expect(atCapacity!(link, "link")).toBeUndefined()
  })

  it("view: the mentor, admins and the system see everything; other users the public subset; links nobody", () => {
    const doc = load({ paused: false, accepting: true })
    const { view } = MentorLoad.readModel
    expect(view(doc, mentorId, Actor.user(ana))).toEqual(doc)
    expect(view(doc, mentorId, Actor.admin(dee))).toEqual(doc)
    expect(view(doc, mentorId, Actor.system)).toEqual(doc)
    expect(view(doc, mentorId, Actor.user(ben))).toEqual({
      mentorId: ana,
      areas: [typescript, product],
      paused: false,
      accepting: true
    })
    const link = documentsOf([[stream(e1), [requested(e1)]]]).get(MentorLoad.engagementDocumentId(e1))!
    expect(view(link, "link", Actor.user(ana))).toBeUndefined()
    expect(view(link, "link", Actor.admin(dee))).toBeUndefined()
  })

  it.effect("a real run through Stint: counters, agreements, sessions, notes, an extension, closing, feedback", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(DateTime.toEpochMillis(at(0)))
      const stint = yield* Stint.Stint
      const as = (userId: Ids.UserId) => ({ actor: Actor.user(userId) })
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

      const envelopes = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
      const documents = Projection.applyAll(MentorLoad.projection, new Map(), envelopes)
      const doc = mentorDoc(documents)
      expect(doc.seats).toEqual([{ engagementId: e2, committed: 4, held: 1 }])
      expect([doc.active, doc.committedSessions, doc.committedSessionsRemaining]).toEqual([1, 4, 3])
      expect(doc.utilisation).toEqual({ engagements: 1 / 3, sessions: 0.5, overall: 0.5 })
      expect(doc.responseMinutes).toEqual([
        { minutes: 45, count: 1 },
        { minutes: 60, count: 1 },
        { minutes: 120, count: 1 }
      ])
      expect(doc.medianResponseMinutes).toBe(60)
      expect([doc.sessionsHeld, MentorLoad.sessionsInLast30Days(doc, yield* now)]).toEqual([2, 2])
      expect([doc.ratingSum, doc.ratingCount, doc.averageRating]).toEqual([5, 1, 5])
      expect([doc.atCapacity, doc.accepting, doc.paused]).toEqual([false, true, false])
      const text = JSON.stringify([...documents.values()])
      for (const secret of ["secret", "Great", "Fully booked"]) expect(text).not.toContain(secret)
      // The same log in two batches gives the same documents (INV-19).
      const half = Math.floor(envelopes.length / 2)
      const split = Projection.applyAll(
        MentorLoad.projection,
        Projection.applyAll(MentorLoad.projection, new Map(), envelopes.slice(0, half)),
        envelopes.slice(half)
      )
      expect(Object.fromEntries(split)).toEqual(Object.fromEntries(documents))
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
