/** INV-12 under concurrency: many agreements at once never overbook a mentor. */
// it.live, not it.effect: the handler retries version conflicts with real (scheduled) backoff, which
// the TestClock of it.effect would never let elapse.
import { describe, expect, it } from "@effect/vitest"
import { system, user } from "@stint/core/Actor"
import { Area, EngagementId, UserId } from "@stint/core/Ids"
import * as MentorState from "@stint/core/MentorState"
import * as Stint from "@stint/core/Stint"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

const mentorId = UserId.make("mentor-cap")
const area = Area.make("typescript")
const goals = [{ statement: "Ship the thing", successCriterion: "It is shipped" }]
const engagementId = (i: number) => EngagementId.make(`c0000000-0000-4000-8000-${String(i).padStart(12, "0")}`)

const agreeAllConcurrently = (capacity: { engagements: number; sessions: number }, sessionsEach: number) =>
  Effect.gen(function* () {
    const stint = yield* Stint.Stint
    yield* stint.execute({ _tag: "RegisterMentor", mentorId, areas: [area], capacity }, { actor: user(mentorId) })
    const ids = Array.from({ length: 10 }, (_, i) => engagementId(i + 1))
    yield* Effect.forEach(ids, (id, i) =>
      stint.execute(
        {
          _tag: "RequestEngagement",
          engagementId: id,
          mentorId,
          area,
          need: "Help",
          goals,
          scope: { sessions: sessionsEach }
        },
        { actor: user(UserId.make(`mentee-${i}`)) }
      )
    )
    const results = yield* Effect.all(
      ids.map((id) =>
        Effect.either(stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(mentorId) }))
      ),
      { concurrency: "unbounded" }
    )
    const mentor = (yield* stint.mentor(mentorId))!
    return { results, mentor }
  })

describe("INV-12 mentor capacity under concurrency", () => {
  it.live("10 concurrent agreements with capacity 3 engagements / 8 sessions: exactly 3 succeed", () =>
    Effect.gen(function* () {
      const { results, mentor } = yield* agreeAllConcurrently({ engagements: 3, sessions: 8 }, 2)
      const ok = results.filter(Either.isRight)
      const refused = results.filter(Either.isLeft).map((r) => r.left._tag)
      expect(ok.length).toBe(3) // min(3 engagements, floor(8 / 2) sessions)
      expect(refused).toEqual(Array(7).fill("MentorAtCapacity"))
      expect(mentor.seats.size).toBeLessThanOrEqual(mentor.capacity.engagements)
      expect(MentorState.committedSessions(mentor)).toBeLessThanOrEqual(mentor.capacity.sessions)
      expect(mentor.seats.size).toBe(3)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )

  it.live("when sessions bind first: 10 concurrent agreements of 3 sessions with capacity 5 / 8 → 2 succeed", () =>
    Effect.gen(function* () {
      const { results, mentor } = yield* agreeAllConcurrently({ engagements: 5, sessions: 8 }, 3)
      expect(results.filter(Either.isRight).length).toBe(2)
      expect(results.filter(Either.isLeft).every((r) => r.left._tag === "MentorAtCapacity")).toBe(true)
      expect(MentorState.committedSessions(mentor)).toBe(6)
      expect(mentor.seats.size).toBeLessThanOrEqual(mentor.capacity.engagements)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )

  it.live("the deadline process cannot agree on anyone's behalf", () =>
    Effect.gen(function* () {
      const stint = yield* Stint.Stint
      yield* stint.execute({ _tag: "RegisterMentor", mentorId, areas: [area] }, { actor: user(mentorId) })
      yield* stint.execute(
        { _tag: "RequestEngagement", engagementId: engagementId(1), mentorId, area, need: "Help", goals },
        { actor: user(UserId.make("mentee-1")) }
      )
      const r = yield* Effect.either(
        stint.execute({ _tag: "AgreeEngagement", engagementId: engagementId(1) }, { actor: system })
      )
      expect(Either.isLeft(r) && r.left._tag).toBe("NotAllowed")
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
