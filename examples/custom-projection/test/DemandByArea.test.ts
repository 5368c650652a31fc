/** DemandByArea, a host's own projection: specified with ProjectionSpec and run over a real history. */
import { assert, describe, expect, it } from "@effect/vitest"
import { Actor, EngagementEvent as E, Ids, Policy, Projection, Stint } from "@stint/core"
import type { Command } from "@stint/core/Command"
import * as IndexKey from "@stint/core/IndexKey"
import { DeciderSpec, ProjectionSpec } from "@stint/testing"
import { Chunk, DateTime, type Duration, Effect, Stream, TestClock } from "effect"
import * as DemandByArea from "../src/DemandByArea.js"

const { projection, readModel, emptyArea, areaId } = DemandByArea
type AreaDemand = DemandByArea.AreaDemand
const at = DeciderSpec.at

const ana = Ids.UserId.make("ana")
const ben = Ids.UserId.make("ben")
const engagement = (n: number) => Ids.EngagementId.make(`${n}f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b`)
const stream = (n: number) => Stint.engagementStream(engagement(n))
const scope = { sessions: 2, timeBoxDays: 30, sessionMinutes: 20 }
const minutesAfter = (m: number) => DateTime.add(at(0), { minutes: m })

const requested = (n: number, area: string, initiator: "mentee" | "mentor" = "mentee") =>
  E.EngagementRequested.make({
    engagementId: engagement(n),
    menteeId: ben,
    mentorId: ana,
    initiator,
    area: Ids.Area.make(area),
    need: "Talk to customers",
    goals: [{ statement: "Run a discovery call", successCriterion: "One call held" }],
    ask: scope,
    policy: Policy.defaults,
    requestedAt: at(0),
    expiresAt: at(7)
  })
const agreed = (agreedAt: DateTime.Utc, agreedBy: "mentee" | "mentor" = "mentor") =>
  E.EngagementAgreed.make({ scope, agreedBy, agreedAt, endsAt: at(31) })
const countered = (counteredAt: DateTime.Utc) =>
  E.ScopeCountered.make({ scope: { ...scope, sessions: 1 }, counteredAt, expiresAt: at(8) })
const declined = (declinedAt: DateTime.Utc) =>
  E.EngagementDeclined.make({ declinedBy: "mentor", declinedAt, reason: "No time" })
const withdrawn = E.RequestWithdrawn.make({ withdrawnBy: "mentee", withdrawnAt: at(1) })
const expired = E.RequestExpired.make({ expiredAt: at(7) })

const demand = (area: string, fields: Partial<Omit<AreaDemand, "_tag" | "area">>): AreaDemand => ({
  ...emptyArea(area),
  ...fields
})

/** Area documents in the order an index lists them. */
const listed = (
  documents: ReadonlyMap<string, DemandByArea.Document>,
  index: keyof typeof projection.indexes
): ReadonlyArray<string> =>
  [...documents]
    .flatMap(([id, d]) =>
      IndexKey.keysOf(projection.indexes[index](d, id)).map((k) => [IndexKey.encode(k), d] as const)
    )
    .sort(([a], [b]) => IndexKey.compare(a, b))
    .map(([, d]) => (d._tag === "AreaDemand" ? d.area : "helper"))

describe("DemandByArea projection", () => {
  it("a request opens demand in its area; the mentor's answer resolves it and times the response", () => {
    ProjectionSpec.given(projection)
      .when(stream(1), [requested(1, "typescript")])
      .thenDocuments({
        [areaId("typescript")]: demand("typescript", { requests: 1, open: 1 }),
        [`request:${engagement(1)}`]: DemandByArea.RequestSeen.make({
          area: "typescript",
          through: 1,
          requestedAt: DateTime.toEpochMillis(at(0)),
          open: true,
          responded: false
        })
      })
      .when(stream(1), [agreed(minutesAfter(95))])
      .thenDocument(
        areaId("typescript"),
        demand("typescript", {
          requests: 1,
          agreed: 1,
          acceptanceRate: 1,
          responseMinutes: [{ minutes: 95, count: 1 }],
          medianResponseMinutes: 95
        })
      )
      .thenIdempotent()
  })

  it("counts every outcome per area; open requests are not in the acceptance rate", () => {
    ProjectionSpec.given(projection)
      .when(stream(1), [requested(1, "typescript"), agreed(minutesAfter(30))])
      .when(stream(2), [requested(2, "typescript"), declined(minutesAfter(60))])
      .when(stream(3), [requested(3, "typescript"), withdrawn])
      .when(stream(4), [requested(4, "typescript"), expired])
      .when(stream(5), [requested(5, "typescript")])
      .when(stream(6), [requested(6, "design"), agreed(minutesAfter(10))])
      .thenDocument(
        areaId("typescript"),
        demand("typescript", {
          requests: 5,
          agreed: 1,
          declined: 1,
          withdrawn: 1,
          expired: 1,
          open: 1,
          acceptanceRate: 1 / 4,
          responseMinutes: [
            { minutes: 30, count: 1 },
            { minutes: 60, count: 1 }
          ],
          medianResponseMinutes: 30 // nearest rank: the lower of two
        })
      )
      .thenDocument(
        areaId("design"),
        demand("design", {
          requests: 1,
          agreed: 1,
          acceptanceRate: 1,
          responseMinutes: [{ minutes: 10, count: 1 }],
          medianResponseMinutes: 10
        })
      )
      .thenIdempotent()
  })

  it("a counter is the first response; the mentee's later agreement is not timed again", () => {
    ProjectionSpec.given(projection)
      .when(stream(1), [requested(1, "sales"), countered(minutesAfter(45)), agreed(at(2), "mentee")])
      .thenDocument(
        areaId("sales"),
        demand("sales", {
          requests: 1,
          agreed: 1,
          acceptanceRate: 1,
          responseMinutes: [{ minutes: 45, count: 1 }],
          medianResponseMinutes: 45
        })
      )
      .thenIdempotent()
  })

  it("a mentor's offer is supply, not demand: it and its answers are left out", () => {
    ProjectionSpec.given(projection)
      .when(stream(1), [requested(1, "design", "mentor"), agreed(minutesAfter(5), "mentee")])
      .thenDocuments({})
  })

  it("events for requests it never saw change nothing and do not throw", () => {
    ProjectionSpec.given(projection)
      .when(stream(1), [agreed(at(1))])
      .when(stream(2), [countered(at(1)), declined(at(2))])
      .when(stream(3), [expired])
      .thenDocuments({})
  })

  it("indexes list area documents only: busiest, least accepted, slowest, longest queue first", () => {
    const documents = Projection.applyAll(
      projection,
      new Map(),
      ProjectionSpec.envelopes([
        [stream(1), requested(1, "design")],
        [stream(1), agreed(minutesAfter(10))],
        [stream(2), requested(2, "typescript")],
        [stream(2), declined(minutesAfter(600))],
        [stream(3), requested(3, "typescript")],
        [stream(4), requested(4, "typescript")],
        [stream(4), agreed(minutesAfter(900))],
        [stream(5), requested(5, "sales")],
        [stream(6), requested(6, "sales")]
      ])
    )
    assert.deepStrictEqual(listed(documents, "byRequests"), ["typescript", "sales", "design"])
    assert.deepStrictEqual(listed(documents, "byAcceptance"), ["typescript", "design"]) // sales: no outcome yet
    assert.deepStrictEqual(listed(documents, "bySlowestResponse"), ["typescript", "design"]) // sales: unanswered
    assert.deepStrictEqual(listed(documents, "byOpen"), ["sales", "typescript", "design"])
  })
})

describe("DemandByArea view and signals", () => {
  const documents = Projection.applyAll(
    projection,
    new Map(),
    ProjectionSpec.envelopes([[stream(1), requested(1, "typescript")]])
  )
  const area = documents.get(areaId("typescript"))!
  const helper = documents.get(`request:${engagement(1)}`)!

  it("admins and the system see areas; users see none; nobody sees the helpers", () => {
    const root = Actor.admin(Ids.UserId.make("root"))
    assert.strictEqual(readModel.view(area, areaId("typescript"), root), area)
    assert.strictEqual(readModel.view(area, areaId("typescript"), Actor.system), area)
    assert.strictEqual(readModel.view(area, areaId("typescript"), Actor.user(ana)), undefined)
    for (const viewer of [root, Actor.system, Actor.user(ana), Actor.user(ben)])
      assert.strictEqual(readModel.view(helper, `request:${engagement(1)}`, viewer), undefined)
  })

  it("shortage signals: judged from a minimum of requests, each threshold on its own", () => {
    const busy = demand("typescript", {
      requests: 8,
      agreed: 2,
      declined: 3,
      open: 3,
      acceptanceRate: 2 / 5,
      medianResponseMinutes: 3 * 24 * 60
    })
    assert.deepStrictEqual(DemandByArea.shortageSignals(busy), ["low_acceptance", "slow_response", "open_queue"])
    assert.deepStrictEqual(DemandByArea.shortageSignals({ ...busy, requests: 4 }), [])
    assert.deepStrictEqual(
      DemandByArea.shortageSignals(busy, { minRequests: 1, lowAcceptance: 0.3, slowMinutes: 5000, openQueue: 4 }),
      []
    )
  })
})

describe("DemandByArea over a real history", () => {
  it.effect("typescript is short of mentors, design is well served", () =>
    Effect.gen(function* () {
      const stint = yield* Stint.Stint
      const cy = Ids.UserId.make("cy")
      const typescript = Ids.Area.make("typescript")
      const design = Ids.Area.make("design")
      const run = (command: Command, who: Ids.UserId | "system") =>
        stint.execute(command, { actor: who === "system" ? Actor.system : Actor.user(who) })
      const wait = (d: Duration.DurationInput) => TestClock.adjust(d)
      const id = (n: number) => Ids.EngagementId.make(`d${n}000000-0000-4000-8000-00000000000${n}`)
      const mentee = (n: number) => Ids.UserId.make(`mentee-${n}`)
      const ask = (n: number, mentorId: Ids.UserId, area: Ids.Area) =>
        run(
          {
            _tag: "RequestEngagement",
            engagementId: id(n),
            mentorId,
            area,
            need: "One specific thing",
            goals: [{ statement: "Do it", successCriterion: "Done" }]
          },
          mentee(n)
        )

      yield* TestClock.setTime(Date.parse("2026-03-02T09:00:00Z"))
      // one busy typescript mentor with a single seat; one design mentor with room
      yield* run(
        { _tag: "RegisterMentor", mentorId: ana, areas: [typescript], capacity: { engagements: 1, sessions: 6 } },
        ana
      )
      yield* run(
        { _tag: "RegisterMentor", mentorId: cy, areas: [design], capacity: { engagements: 3, sessions: 9 } },
        cy
      )
      for (const n of [1, 2, 3, 4, 5, 6]) yield* ask(n, ana, typescript)
      for (const n of [7, 8]) yield* ask(n, cy, design)

      yield* wait("20 minutes")
      yield* run({ _tag: "AgreeEngagement", engagementId: id(7) }, cy) // 20 min
      yield* wait("40 minutes")
      yield* run({ _tag: "AgreeEngagement", engagementId: id(8) }, cy) // 60 min
      yield* wait("2 days")
      yield* run({ _tag: "AgreeEngagement", engagementId: id(1) }, ana) // 2 days 1 hour = 2940 min
      yield* wait("1 day")
      yield* run({ _tag: "DeclineEngagement", engagementId: id(2), reason: "Full" }, ana) // 4380 min
      yield* run({ _tag: "DeclineEngagement", engagementId: id(3) }, ana) // 4380 min
      yield* run({ _tag: "WithdrawRequest", engagementId: id(4) }, mentee(4))
      yield* wait("4 days")
      yield* run({ _tag: "ExpireRequest", engagementId: id(5) }, "system")
      yield* run({ _tag: "ExpireRequest", engagementId: id(6) }, "system")
      // ana offers a follow-up on her own: not demand
      yield* run(
        {
          _tag: "OfferEngagement",
          engagementId: id(9),
          menteeId: mentee(9),
          area: typescript,
          need: "A follow-up",
          goals: [{ statement: "Do more", successCriterion: "Done" }]
        },
        ana
      )

      const envelopes = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
      const documents = Projection.applyAll(projection, new Map(), envelopes)

      const ts = documents.get(areaId("typescript")) as AreaDemand
      assert.deepStrictEqual(
        ts,
        demand("typescript", {
          requests: 6,
          agreed: 1,
          declined: 2,
          withdrawn: 1,
          expired: 2,
          open: 0,
          acceptanceRate: 1 / 6,
          responseMinutes: [
            { minutes: 2940, count: 1 },
            { minutes: 4380, count: 2 }
          ],
          medianResponseMinutes: 4380
        })
      )
      const ds = documents.get(areaId("design")) as AreaDemand
      assert.deepStrictEqual(
        ds,
        demand("design", {
          requests: 2,
          agreed: 2,
          acceptanceRate: 1,
          responseMinutes: [
            { minutes: 20, count: 1 },
            { minutes: 60, count: 1 }
          ],
          medianResponseMinutes: 20
        })
      )
      // every area reconciles: requests = outcomes + open
      for (const d of [ts, ds]) expect(d.requests).toBe(d.agreed + d.declined + d.withdrawn + d.expired + d.open)
      assert.deepStrictEqual(DemandByArea.shortageSignals(ts), ["low_acceptance", "slow_response"])
      assert.deepStrictEqual(DemandByArea.shortageSignals(ds), []) // too few requests to judge
      assert.deepStrictEqual(listed(documents, "byRequests"), ["typescript", "design"])
      assert.deepStrictEqual(listed(documents, "byAcceptance"), ["typescript", "design"])
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
