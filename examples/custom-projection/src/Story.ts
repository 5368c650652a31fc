/**
 * A month of a programme, on a simulated clock: 40 mentees ask 6 mentors for help in four areas.
 * TypeScript has three quick mentors but more demand than seats; sales has one slow mentor who often
 * declines; design is answered with counters; leadership has one mentor with room for one. Requests
 * nobody answers expire through the deadline process.
 */
import { Actor, Command, DeadlineProcess, Ids, Projections, Stint } from "@stint/core"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { SqlEventStore, SqlProjectionStore } from "@stint/sql"
import { DateTime, Effect, Layer, TestClock } from "effect"

/** Stint on an SQLite file, with the given projections (runners off: the story catches up itself). */
export const stintOn = (filename: string, projections: Projections.Options) =>
  Stint.layerWithProjections(SqlEventStore.layer(), { projections }).pipe(
    Layer.provide(Layer.provideMerge(SqlProjectionStore.layer(), SqliteClient.layer({ filename })))
  )

const user = (id: string) => Ids.UserId.make(id)
const as = (id: string) => ({ actor: Actor.user(user(id)) })
const area = (name: string) => Ids.Area.make(name)
const engagementId = (n: number) => Ids.EngagementId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`)

const mentors = [
  { id: "tess", areas: ["typescript"], answerAfterHours: 2, answer: "agree" },
  { id: "theo", areas: ["typescript"], answerAfterHours: 5, answer: "agree" },
  { id: "tara", areas: ["typescript"], answerAfterHours: 1, answer: "agree" },
  { id: "sam", areas: ["sales"], answerAfterHours: 70, answer: "decline-every-other" },
  { id: "dana", areas: ["design"], answerAfterHours: 20, answer: "counter" },
  { id: "lee", areas: ["leadership"], answerAfterHours: 30, answer: "agree", capacity: 1 }
] as const

const areaOf = (i: number) => (i % 10 < 5 ? "typescript" : i % 10 < 8 ? "sales" : i % 10 < 9 ? "design" : "leadership")

export const start = DateTime.unsafeMake("2026-10-01T09:00:00Z")
export const requests = 40

/** Runs the month: registrations, 40 requests 3 hours apart, answers in time order, then expiries. */
export const lastMonth = Effect.gen(function* () {
  const stint = yield* Stint.Stint
  const projections = yield* Projections.Projections
  yield* TestClock.setTime(DateTime.toEpochMillis(start))
  for (const m of mentors) {
    yield* stint.execute(
      Command.RegisterMentor.make({
        mentorId: user(m.id),
        areas: m.areas.map(area),
        ...("capacity" in m ? { capacity: { engagements: m.capacity, sessions: 8 } } : {})
      }),
      as(m.id)
    )
  }
  // Every action of the month, at its time.
  const agenda: Array<{ at: number; run: Effect.Effect<unknown, unknown> }> = []
  const byArea = new Map<string, number>()
  for (let i = 0; i < requests; i++) {
    const a = areaOf(i)
    const candidates = mentors.filter((m) => (m.areas as ReadonlyArray<string>).includes(a))
    const seen = byArea.get(a) ?? 0
    byArea.set(a, seen + 1)
    const mentor = candidates[seen % candidates.length]!
    const mentee = `mentee-${i + 1}`
    const id = engagementId(i + 1)
    const askedAt = i * 3 * 3600_000
    agenda.push({
      at: askedAt,
      run: stint.execute(
        Command.RequestEngagement.make({
          engagementId: id,
          mentorId: user(mentor.id),
          area: area(a),
          need: `Help with ${a}`,
          goals: [{ statement: `Get unstuck on ${a}`, successCriterion: "One concrete next step" }],
          scope: { sessions: 2, timeBoxDays: 21 }
        }),
        as(mentee)
      )
    })
    const answeredAt = askedAt + mentor.answerAfterHours * 3600_000
    const answer =
      mentor.answer === "counter"
        ? Effect.zipRight(
            stint.execute(
              Command.CounterScope.make({ engagementId: id, scope: { sessions: 1, timeBoxDays: 14 } }),
              as(mentor.id)
            ),
            stint.execute(Command.AgreeEngagement.make({ engagementId: id }), as(mentee))
          )
        : mentor.answer === "decline-every-other" && seen % 2 === 0
          ? stint.execute(Command.DeclineEngagement.make({ engagementId: id }), as(mentor.id))
          : stint.execute(Command.AgreeEngagement.make({ engagementId: id }), as(mentor.id))
    // A mentor at capacity cannot agree: the request stays open, and will expire.
    agenda.push({ at: answeredAt, run: Effect.either(answer) })
  }
  agenda.sort((x, y) => x.at - y.at)
  for (const item of agenda) {
    yield* TestClock.setTime(DateTime.toEpochMillis(start) + item.at)
    yield* Effect.orDie(item.run)
  }
  // A week later the deadline process expires what nobody answered.
  yield* TestClock.adjust("8 days")
  yield* projections.catchUp()
  return yield* DeadlineProcess.tick()
})
