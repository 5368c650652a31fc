/** The deadline process over the Deadlines read model: due commands sent once, whoever runs it. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, Command, Ids, Stint } from "@stint/core"
import * as DeadlineProcess from "@stint/core/DeadlineProcess"
import * as Projections from "@stint/core/Projections"
import * as ReadModels from "@stint/core/ReadModels"
import { Cause, Chunk, DateTime, Effect, Exit, Fiber, Layer, Stream, TestClock } from "effect"

const ana = Ids.UserId.make("ana")
const ben = Ids.UserId.make("ben")
const cleo = Ids.UserId.make("cleo")
const area = Ids.Area.make("customers")
const first = Ids.EngagementId.make("1b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const second = Ids.EngagementId.make("2b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const start = DateTime.unsafeMake("2026-03-02T09:00:00Z")

const setup = Effect.gen(function* () {
  yield* TestClock.setTime(DateTime.toEpochMillis(start))
  const stint = yield* Stint.Stint
  yield* stint.execute(Command.RegisterMentor.make({ mentorId: ana, areas: [area] }), { actor: Actor.user(ana) })
  for (const [engagementId, mentee] of [
    [first, ben],
    [second, cleo]
  ] as const) {
    yield* stint.execute(
      Command.RequestEngagement.make({
        engagementId,
        mentorId: ana,
        area,
        need: "Talk to customers",
        goals: [{ statement: "Run a discovery call", successCriterion: "One call held" }],
        scope: { sessions: 2, timeBoxDays: 10 }
      }),
      { actor: Actor.user(mentee) }
    )
  }
  yield* TestClock.adjust("1 day")
  yield* stint.execute(Command.AgreeEngagement.make({ engagementId: first }), { actor: Actor.user(ana) })
  return stint
})

const eventsOf = (type: string) =>
  Effect.flatMap(Stint.Stint, (stint) =>
    Effect.map(Stream.runCollect(stint.events()), (all) => Chunk.filter(all, (e) => e.event._tag === type).length)
  )

const catchUp = Effect.flatMap(Projections.Projections, (p) => p.catchUp())

const memory = Stint.layerMemory({ projections: ReadModels.options({ run: false }) })

describe("DeadlineProcess", () => {
  it.effect("sends nothing before a deadline, then expires the request and elapses the time box", () =>
    Effect.gen(function* () {
      yield* setup
      yield* catchUp
      assert.deepStrictEqual(yield* DeadlineProcess.tick(), { sent: 0, settled: 0 })
      // The second request expires 7 days after it was asked (6 days from now).
      yield* TestClock.adjust("6 days")
      yield* catchUp
      assert.deepStrictEqual(yield* DeadlineProcess.tick(), { sent: 1, settled: 0 })
      assert.strictEqual((yield* (yield* Stint.Stint).engagement(second))?.status, "expired")
      // The first one's time box ends 10 days after agreement.
      yield* TestClock.adjust("4 days")
      yield* catchUp
      assert.deepStrictEqual(yield* DeadlineProcess.tick(), { sent: 1, settled: 0 })
      assert.strictEqual((yield* (yield* Stint.Stint).engagement(first))?.status, "wrapping_up")
      yield* catchUp
      assert.deepStrictEqual(yield* DeadlineProcess.tick(), { sent: 0, settled: 0 })
    }).pipe(Effect.provide(memory))
  )

  it.effect("two processes at once, and a stale read model, write each event once", () =>
    Effect.gen(function* () {
      yield* setup
      yield* TestClock.adjust("30 days")
      yield* catchUp
      const [a, b] = yield* Effect.all([DeadlineProcess.tick(), DeadlineProcess.tick()], { concurrency: "unbounded" })
      assert.strictEqual(a.sent + b.sent, 2)
      assert.strictEqual(a.settled + b.settled, 2)
      // Deadlines not yet caught up: the same deadlines again, settled, nothing written.
      assert.deepStrictEqual(yield* DeadlineProcess.tick(), { sent: 0, settled: 2 })
      assert.strictEqual(yield* eventsOf("RequestExpired"), 1)
      assert.strictEqual(yield* eventsOf("WrapUpStarted"), 1)
    }).pipe(Effect.provide(memory))
  )

  it.effect("a deadline answered in time is not sent: the request was agreed first", () =>
    Effect.gen(function* () {
      const stint = yield* setup
      yield* catchUp
      yield* stint.execute(Command.AgreeEngagement.make({ engagementId: second }), { actor: Actor.user(ana) })
      yield* TestClock.adjust("6 days") // the read model still says second expires
      const tick = yield* DeadlineProcess.tick()
      assert.deepStrictEqual(tick, { sent: 0, settled: 1 })
      assert.strictEqual(yield* eventsOf("RequestExpired"), 0)
    }).pipe(Effect.provide(memory))
  )

  it.effect("as a layer it runs on the clock, with the runners following the log", () =>
    Effect.gen(function* () {
      yield* setup
      const fiber = yield* Effect.fork(Layer.launch(DeadlineProcess.layer({ interval: "1 hour" })))
      for (let hour = 0; hour < 24 * 7; hour++) {
        yield* TestClock.adjust("1 hour")
        // Let the async runners apply what the last pass wrote.
        for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      }
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* eventsOf("RequestExpired"), 1)
    }).pipe(Effect.provide(Stint.layerMemory({ projections: ReadModels.options() })))
  )
})

describe("DeadlineProcess without Deadlines", () => {
  it.effect("refuses to run, saying what is missing, instead of silently sending nothing", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(DeadlineProcess.tick())
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Cause.squash(exit._tag === "Failure" ? exit.cause : Cause.empty)), "register it")
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
