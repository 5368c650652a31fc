/** The named queries over the built-in read models, on memory: which documents, in which order, as whom. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, Command, Ids, Projections, Queries, ReadModels, Stint } from "@stint/core"
import { DateTime, Effect, TestClock } from "effect"

const ana = Ids.UserId.make("ana") // mentor in customers and sales: ben's (agreed) and cy's (asked)
const bo = Ids.UserId.make("bo") // mentor in customers: ben asked
const cleo = Ids.UserId.make("cleo") // mentor in customers, paused
const ben = Ids.UserId.make("ben") // mentee of `first` and `second`
const cy = Ids.UserId.make("cy") // mentee of `third`
const dan = Ids.UserId.make("dan") // no party to anything
const staff = Actor.admin(Ids.UserId.make("root"))
const customers = Ids.Area.make("customers")
const sales = Ids.Area.make("sales")
const first = Ids.EngagementId.make("1b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const second = Ids.EngagementId.make("2b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const third = Ids.EngagementId.make("3b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const start = DateTime.unsafeMake("2026-03-02T09:00:00Z")

/**
 * Day 0 ben asks ana (`first`), day 1 ben asks bo (`second`), day 2 cy asks ana (`third`); day 3 ana
 * agrees to `first`. Requests expire 7 days after they are asked; everything is caught up.
 */
const story = Effect.gen(function* () {
  yield* TestClock.setTime(DateTime.toEpochMillis(start))
  const stint = yield* Stint.Stint
  const run = (command: Command.Command, userId: Ids.UserId) => stint.execute(command, { actor: Actor.user(userId) })
  yield* run(Command.RegisterMentor.make({ mentorId: ana, areas: [customers, sales] }), ana)
  yield* run(Command.RegisterMentor.make({ mentorId: bo, areas: [customers] }), bo)
  yield* run(Command.RegisterMentor.make({ mentorId: cleo, areas: [customers] }), cleo)
  yield* run(Command.PauseMentoring.make({ mentorId: cleo }), cleo)
  for (const [engagementId, mentee, mentor] of [
    [first, ben, ana],
    [second, ben, bo],
    [third, cy, ana]
  ] as const) {
    yield* run(
      Command.RequestEngagement.make({
        engagementId,
        mentorId: mentor,
        area: customers,
        need: "Talk to customers",
        goals: [{ statement: "Run a discovery call", successCriterion: "One call held" }],
        scope: { sessions: 2, timeBoxDays: 10 }
      }),
      mentee
    )
    yield* TestClock.adjust("1 day")
  }
  yield* run(Command.AgreeEngagement.make({ engagementId: first }), ana)
  yield* Effect.flatMap(Projections.Projections, (p) => p.catchUp())
})

const memory = Stint.layerMemory({ projections: ReadModels.options({ run: false }) })

const ids = <A>(page: { readonly items: ReadonlyArray<{ readonly id: string; readonly document: A }> }) =>
  page.items.map((item) => item.id)

describe("Queries", () => {
  it.effect("mentorsInArea: unpaused mentors of the area, least loaded first; others see the public part", () =>
    Effect.gen(function* () {
      yield* story
      const page = yield* Queries.mentorsInArea(customers, Actor.user(ben))
      // ana holds a seat, bo none: bo first; cleo is paused.
      assert.deepStrictEqual(
        page.items.map((i) => i.document.mentorId),
        [bo, ana]
      )
      assert.deepStrictEqual(Object.keys(page.items[1]!.document).sort(), ["accepting", "areas", "mentorId", "paused"])
      const asAna = yield* Queries.mentorsInArea(customers, Actor.user(ana))
      const own = asAna.items.find((i) => i.document.mentorId === ana)!.document
      assert.isTrue("utilisation" in own, "the mentor sees their whole document")
      assert.deepStrictEqual(
        (yield* Queries.mentorsInArea(sales, Actor.user(ben))).items.map((i) => i.document.mentorId),
        [ana]
      )
      // Pages of one, resumed with the cursor.
      const one = yield* Queries.mentorsInArea(customers, staff, { limit: 1 })
      assert.strictEqual(one.items[0]?.document.mentorId, bo)
      const next = yield* Queries.mentorsInArea(customers, staff, { limit: 1, cursor: one.next })
      assert.deepStrictEqual(
        next.items.map((i) => i.document.mentorId),
        [ana]
      )
    }).pipe(Effect.provide(memory))
  )

  it.effect("engagementsOf: a user's engagements on one side, newest first, only for whom may see them", () =>
    Effect.gen(function* () {
      yield* story
      assert.deepStrictEqual(ids(yield* Queries.engagementsOf(ben, "mentee", Actor.user(ben))), [second, first])
      assert.deepStrictEqual(ids(yield* Queries.engagementsOf(ana, "mentor", Actor.user(ana))), [third, first])
      assert.deepStrictEqual(ids(yield* Queries.engagementsOf(ben, "mentor", Actor.user(ben))), [])
      assert.deepStrictEqual(ids(yield* Queries.engagementsOf(ben, "mentee", staff)), [second, first])
      // Each viewer sees only the engagements they are party to: cy sees her own of ana's.
      assert.deepStrictEqual(ids(yield* Queries.engagementsOf(ana, "mentor", Actor.user(cy))), [third])
      assert.deepStrictEqual(ids(yield* Queries.engagementsOf(ben, "mentee", Actor.user(dan))), [])
    }).pipe(Effect.provide(memory))
  )

  it.effect("deadlines: earliest first, all for staff, a user's own for a user", () =>
    Effect.gen(function* () {
      yield* story
      const all = yield* Queries.deadlines(staff)
      const described = (page: typeof all) => page.items.map((i) => `${i.document.kind} ${i.document.engagementId}`)
      assert.deepStrictEqual(described(all), [
        `request_expires ${second}`,
        `request_expires ${third}`,
        `time_box_ends ${first}`
      ])
      assert.deepStrictEqual(described(yield* Queries.deadlines(Actor.user(ben))), [
        `request_expires ${second}`,
        `time_box_ends ${first}`
      ])
      assert.deepStrictEqual(described(yield* Queries.deadlines(Actor.user(cy))), [`request_expires ${third}`])
      assert.deepStrictEqual(ids(yield* Queries.deadlines(Actor.user(dan))), [])
      const bad = yield* Effect.flip(Queries.deadlines(staff, { limit: 0 }))
      assert.strictEqual(bad._tag, "InvalidQuery")
    }).pipe(Effect.provide(memory))
  )

  it.effect("dueDeadlines: one kind, due at or before the instant", () =>
    Effect.gen(function* () {
      yield* story
      // `second` was asked on day 1: it expires on day 8; `third` on day 9.
      const expiry = DateTime.add(start, { days: 8 })
      const dueAt = (kind: "request_expires" | "time_box_ends", at: DateTime.DateTime) =>
        Effect.map(Queries.dueDeadlines(kind, at), (page) => page.items.map((i) => i.document.engagementId))
      assert.deepStrictEqual(yield* dueAt("request_expires", DateTime.subtract(expiry, { millis: 1 })), [])
      assert.deepStrictEqual(yield* dueAt("request_expires", expiry), [second])
      assert.deepStrictEqual(yield* dueAt("request_expires", DateTime.add(expiry, { days: 1 })), [second, third])
      assert.deepStrictEqual(yield* dueAt("time_box_ends", expiry), [])
      assert.deepStrictEqual(yield* dueAt("time_box_ends", DateTime.add(start, { days: 30 })), [first])
    }).pipe(Effect.provide(memory))
  )
})
