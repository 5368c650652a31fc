/** MenteeNetwork: the board of advisors, totals, interests without a mentor, open requests, views. */
import { describe, expect, it } from "@effect/vitest"
import { Actor, EngagementEvent as E, Ids, MenteeEvent as ME, Policy, Stint } from "@stint/core"
import type { DomainEvent } from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import * as MenteeNetwork from "@stint/core/MenteeNetwork"
import type { StreamId } from "@stint/core/StreamId"
import { Chunk, DateTime, Effect, Stream, TestClock } from "effect"
import { at } from "../../src/DeciderSpec.js"
import * as ProjectionSpec from "../../src/ProjectionSpec.js"

const ana = Ids.UserId.make("ana")
const bo = Ids.UserId.make("bo")
const ben = Ids.UserId.make("ben")
const dee = Ids.UserId.make("dee")
const typescript = Ids.Area.make("typescript")
const product = Ids.Area.make("product")
const design = Ids.Area.make("design")
const engagement = (n: number) => Ids.EngagementId.make(`${n}0000000-0000-4000-8000-000000000000`)
const session = (n: number) => Ids.SessionId.make(`${n}1111111-1111-4111-8111-111111111111`)
const [e1, e2, e3, e4] = [1, 2, 3, 4].map(engagement) as [
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId,
  Ids.EngagementId
]
const stream = (id: Ids.EngagementId) => Stint.engagementStream(id)
const menteeStream = Stint.menteeStream(ben)
const networkId = MenteeNetwork.networkId(ben)
const goals = [{ statement: "Ship a typed API", successCriterion: "Reviewed and merged" }]
const ask = { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 }

const requested = (
  id: Ids.EngagementId,
  options: { mentorId?: Ids.UserId; area?: Ids.Area; initiator?: "mentee" | "mentor" } = {}
) =>
  E.EngagementRequested.make({
    engagementId: id,
    menteeId: ben,
    mentorId: options.mentorId ?? ana,
    initiator: options.initiator ?? "mentee",
    area: options.area ?? typescript,
    need: "Help me type my API",
    goals,
    ask,
    policy: Policy.defaults,
    requestedAt: at(0),
    expiresAt: at(7)
  })
const agreed = E.EngagementAgreed.make({ scope: ask, agreedBy: "mentor", agreedAt: at(1), endsAt: at(31) })
const held = (n: number, day: number) =>
  E.SessionHeld.make({ sessionId: session(n), heldAt: at(day), minutes: 20, recordedBy: "mentee", recordedAt: at(day) })
const closed = (outcome: "completed" | "ended_early", day: number) =>
  E.EngagementClosed.make({
    outcome,
    closedBy: Actor.user(ben),
    closedAt: at(day),
    ...(outcome === "ended_early" ? { reason: "Changed teams" } : {})
  })
const interests = (areas: ReadonlyArray<Ids.Area>, day = 0) =>
  ME.InterestsDeclared.make({ areas: [...areas], declaredAt: at(day) })

const emptyTotals: MenteeNetwork.Totals = {
  mentors: 0,
  engagements: 0,
  live: 0,
  completed: 0,
  endedEarly: 0,
  sessionsHeld: 0,
  goalsMet: 0
}
const network = (fields: Partial<MenteeNetwork.MenteeNetwork>): MenteeNetwork.MenteeNetwork => ({
  _tag: "MenteeNetwork",
  menteeId: ben,
  interests: [],
  advisors: [],
  openRequests: 0,
  openOffers: 0,
  areasWithoutMentor: [],
  totals: emptyTotals,
  through: 0,
  ...fields
})
const advisor = (fields: Partial<MenteeNetwork.Advisor>): MenteeNetwork.Advisor => ({
  mentorId: ana,
  area: typescript,
  engagements: 1,
  live: null,
  completed: 0,
  endedEarly: 0,
  sessionsHeld: 0,
  goalsMet: 0,
  ...fields
})
const documentsOf = (history: ReadonlyArray<readonly [StreamId, ReadonlyArray<DomainEvent>]>) =>
  Projection.applyAll(
    MenteeNetwork.projection,
    new Map(),
    ProjectionSpec.envelopes(history.flatMap(([s, events]) => events.map((e) => [s, e] as const)))
  )

describe("MenteeNetwork", () => {
  it("open requests and offers are counted; nobody is on the board before an agreement", () => {
    ProjectionSpec.given(MenteeNetwork.projection)
      .when(stream(e1), [requested(e1)])
      .when(stream(e2), [requested(e2, { mentorId: bo, area: product, initiator: "mentor" })])
      .thenDocuments({
        [networkId]: network({ openRequests: 1, openOffers: 1 }),
        [MenteeNetwork.engagementDocumentId(e1)]: {
          _tag: "EngagementLink",
          engagementId: e1,
          menteeId: ben,
          mentorId: ana,
          area: typescript,
          initiator: "mentee",
          status: "pending",
          through: 1
        },
        [MenteeNetwork.engagementDocumentId(e2)]: {
          _tag: "EngagementLink",
          engagementId: e2,
          menteeId: ben,
          mentorId: bo,
          area: product,
          initiator: "mentor",
          status: "pending",
          through: 1
        }
      })
      .thenIdempotent()
  })

  it("an agreement puts the mentor on the board; sessions, goals met and closing are counted", () => {
    const spec = ProjectionSpec.given(MenteeNetwork.projection).when(stream(e1), [
      requested(e1),
      agreed,
      held(1, 2),
      held(2, 3),
      E.SessionRetracted.make({ sessionId: session(2), retractedBy: "mentee", retractedAt: at(3) })
    ])
    spec
      .thenDocument(
        networkId,
        network({
          advisors: [advisor({ live: e1, sessionsHeld: 1 })],
          totals: { ...emptyTotals, mentors: 1, engagements: 1, live: 1, sessionsHeld: 1 }
        })
      )
      .thenIdempotent()
    // A goal met after closing (within the feedback window) still counts.
    spec
      .when(stream(e1), [closed("completed", 5), E.GoalMet.make({ goalIndex: 0, metAt: at(6) })])
      .thenDocument(
        networkId,
        network({
          advisors: [advisor({ completed: 1, sessionsHeld: 1, goalsMet: 1 })],
          totals: { ...emptyTotals, mentors: 1, engagements: 1, completed: 1, sessionsHeld: 1, goalsMet: 1 }
        })
      )
      .thenIdempotent()
  })

  it("declined, withdrawn and expired requests close the count and add nobody", () => {
    ProjectionSpec.given(MenteeNetwork.projection)
      .when(stream(e1), [requested(e1), E.EngagementDeclined.make({ declinedBy: "mentor", declinedAt: at(1) })])
      .when(stream(e2), [
        requested(e2, { mentorId: bo }),
        E.RequestWithdrawn.make({ withdrawnBy: "mentee", withdrawnAt: at(1) })
      ])
      .when(stream(e3), [
        requested(e3, { mentorId: dee, initiator: "mentor" }),
        E.RequestExpired.make({ expiredAt: at(7) })
      ])
      .thenDocument(networkId, network({}))
      .thenIdempotent()
  })

  it("interests without a mentor: no live or completed engagement in the area (ending early does not count)", () => {
    const spec = ProjectionSpec.given(MenteeNetwork.projection)
      .when(menteeStream, [interests([typescript, product, design])])
      .when(stream(e1), [requested(e1), agreed, held(1, 2), closed("completed", 4)])
      .when(stream(e2), [requested(e2, { mentorId: bo, area: product }), agreed, held(2, 2), closed("ended_early", 3)])
      .when(stream(e3), [requested(e3, { mentorId: bo, area: typescript }), agreed])
    const board = [
      advisor({ mentorId: bo, area: product, endedEarly: 1, sessionsHeld: 1 }),
      advisor({ completed: 1, sessionsHeld: 1 }),
      advisor({ mentorId: bo, live: e3 })
    ]
    const totals = { ...emptyTotals, mentors: 2, engagements: 3, live: 1, completed: 1, endedEarly: 1, sessionsHeld: 2 }
    spec
      .thenDocument(
        networkId,
        network({
          interests: [typescript, product, design],
          advisors: board,
          areasWithoutMentor: [product, design],
          totals,
          through: 1
        })
      )
      .thenIdempotent()
    // A later declaration replaces the interests; a new live engagement in product covers it.
    spec
      .when(menteeStream, [interests([product, design], 9)])
      .when(stream(e4), [requested(e4, { area: product }), agreed])
      .thenDocument(
        networkId,
        network({
          interests: [product, design],
          advisors: [advisor({ area: product, live: e4 }), board[0]!, board[1]!, board[2]!],
          areasWithoutMentor: [design],
          totals: { ...totals, engagements: 4, live: 2 },
          through: 2
        })
      )
      .thenIdempotent()
  })

  it("engaging the same mentor in the same area again adds to one board entry", () => {
    ProjectionSpec.given(MenteeNetwork.projection)
      .when(stream(e1), [requested(e1), agreed, held(1, 2), closed("completed", 3)])
      .when(stream(e2), [requested(e2), agreed, held(2, 20)])
      .thenDocument(
        networkId,
        network({
          advisors: [advisor({ engagements: 2, live: e2, completed: 1, sessionsHeld: 2 })],
          totals: { ...emptyTotals, mentors: 1, engagements: 2, live: 1, completed: 1, sessionsHeld: 2 }
        })
      )
      .thenIdempotent()
  })

  it("unexpected sequences do not throw: events of unknown engagements change nothing", () => {
    ProjectionSpec.given(MenteeNetwork.projection)
      .when(stream(e1), [agreed, held(1, 2), E.GoalMet.make({ goalIndex: 0, metAt: at(3) }), closed("completed", 4)])
      .thenDocuments({})
  })

  it("index unmetInterest: one key per area of interest without a mentor; links never", () => {
    const { unmetInterest } = MenteeNetwork.projection.indexes
    expect(unmetInterest!(network({ areasWithoutMentor: [product, design] }), networkId)).toEqual([[product], [design]])
    expect(unmetInterest!(network({}), networkId)).toEqual([])
    const link = documentsOf([[stream(e1), [requested(e1)]]]).get(MenteeNetwork.engagementDocumentId(e1))!
    expect(unmetInterest!(link, "link")).toBeUndefined()
  })

  it("view: the mentee, admins and the system see the network; mentors and other users do not", () => {
    const documents = documentsOf([[stream(e1), [requested(e1), agreed]]])
    const doc = documents.get(networkId)!
    const { view } = MenteeNetwork.readModel
    expect(view(doc, networkId, Actor.user(ben))).toEqual(doc)
    expect(view(doc, networkId, Actor.admin(dee))).toEqual(doc)
    expect(view(doc, networkId, Actor.system)).toEqual(doc)
    expect(view(doc, networkId, Actor.user(ana))).toBeUndefined()
    expect(view(doc, networkId, Actor.user(dee))).toBeUndefined()
    const link = documents.get(MenteeNetwork.engagementDocumentId(e1))!
    expect(view(link, "link", Actor.user(ben))).toBeUndefined()
    expect(view(link, "link", Actor.system)).toBeUndefined()
  })

  it("mentorsByArea groups the board by area", () => {
    const doc = network({
      advisors: [advisor({ mentorId: bo, area: product }), advisor({}), advisor({ mentorId: bo })]
    })
    expect(MenteeNetwork.mentorsByArea(doc)).toEqual([
      { area: product, advisors: [advisor({ mentorId: bo, area: product })] },
      { area: typescript, advisors: [advisor({}), advisor({ mentorId: bo })] }
    ])
  })

  it.effect("a real run through Stint: interests, requests, agreements, sessions, goals, closing, an offer", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(DateTime.toEpochMillis(at(0)))
      const stint = yield* Stint.Stint
      const as = (userId: Ids.UserId) => ({ actor: Actor.user(userId) })
      yield* stint.execute({ _tag: "RegisterMentor", mentorId: ana, areas: [typescript, design] }, as(ana))
      yield* stint.execute({ _tag: "RegisterMentor", mentorId: bo, areas: [product] }, as(bo))
      yield* stint.execute({ _tag: "DeclareInterests", areas: [typescript, product, design] }, as(ben))
      const request = (id: Ids.EngagementId, mentorId: Ids.UserId, area: Ids.Area) =>
        stint.execute(
          { _tag: "RequestEngagement", engagementId: id, mentorId, area, need: "Help", goals, scope: { sessions: 2 } },
          as(ben)
        )
      yield* request(e1, ana, typescript)
      yield* request(e2, bo, product)
      yield* stint.execute({ _tag: "AgreeEngagement", engagementId: e1 }, as(ana))
      yield* stint.execute({ _tag: "CounterScope", engagementId: e2, scope: { sessions: 1 } }, as(bo))
      yield* stint.execute({ _tag: "AgreeEngagement", engagementId: e2 }, as(ben))
      yield* TestClock.adjust("2 days")
      const now = yield* DateTime.now
      const record = (id: Ids.EngagementId, n: number, actor: Ids.UserId, hoursAgo: number) =>
        stint.execute(
          {
            _tag: "RecordSession",
            engagementId: id,
            sessionId: session(n),
            heldAt: DateTime.subtract(now, { hours: hoursAgo }),
            minutes: 20
          },
          as(actor)
        )
      yield* record(e1, 1, ben, 30)
      yield* record(e1, 2, ana, 2)
      yield* record(e2, 3, bo, 5)
      yield* stint.execute(
        {
          _tag: "AddNote",
          engagementId: e1,
          noteId: Ids.NoteId.make("9f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"),
          visibility: "private",
          text: "Private note text"
        },
        as(ben)
      )
      for (const who of [ben, ana])
        yield* stint.execute({ _tag: "RecordGoalOutcome", engagementId: e1, goalIndex: 0, outcome: "met" }, as(who))
      yield* stint.execute({ _tag: "CloseEngagement", engagementId: e1, outcome: "completed" }, as(ana))
      yield* stint.execute({ _tag: "GiveFeedback", engagementId: e1, rating: 5, comment: "Thanks" }, as(ben))
      yield* stint.execute(
        { _tag: "CloseEngagement", engagementId: e2, outcome: "ended_early", reason: "Changed teams" },
        as(ben)
      )
      // ana offers a follow-up in design, still waiting for ben's answer.
      yield* stint.execute(
        { _tag: "OfferEngagement", engagementId: e3, menteeId: ben, area: design, need: "Follow-up", goals },
        as(ana)
      )

      const envelopes = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
      const documents = Projection.applyAll(MenteeNetwork.projection, new Map(), envelopes)
      const doc = documents.get(networkId) as MenteeNetwork.MenteeNetwork
      expect(doc.advisors).toEqual([
        advisor({ mentorId: bo, area: product, endedEarly: 1, sessionsHeld: 1 }),
        advisor({ completed: 1, sessionsHeld: 2, goalsMet: 1 })
      ])
      expect(doc.totals).toEqual({
        mentors: 2,
        engagements: 2,
        live: 0,
        completed: 1,
        endedEarly: 1,
        sessionsHeld: 3,
        goalsMet: 1
      })
      expect(doc.areasWithoutMentor).toEqual([product, design])
      expect([doc.openRequests, doc.openOffers]).toEqual([0, 1])
      const text = JSON.stringify([...documents.values()])
      for (const secret of ["Private note text", "Thanks", "Changed teams"]) expect(text).not.toContain(secret)
      // Documents for mentors are never created: only mentees' networks and links.
      expect([...documents.keys()].filter((k) => k.startsWith("mentee:"))).toEqual([networkId])
      // Any split of the log into batches gives the same documents (INV-19).
      for (const cut of [1, Math.floor(envelopes.length / 3), envelopes.length - 1]) {
        const split = Projection.applyAll(
          MenteeNetwork.projection,
          Projection.applyAll(MenteeNetwork.projection, new Map(), envelopes.slice(0, cut)),
          envelopes.slice(cut)
        )
        expect(Object.fromEntries(split)).toEqual(Object.fromEntries(documents))
      }
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
