/**
 * INV-12 under concurrency, as one suite every store runs (memory, SQLite, PostgreSQL): many
 * agreements with one mentor sent at once never exceed the mentor's capacity, and exactly as many
 * succeed as the capacity allows. Agreements go round-robin over several Stint instances on one
 * store, as from separate app processes.
 */
// it.live, not it.effect: the handler retries version conflicts with real (scheduled) backoff, which
// the TestClock of it.effect would never let elapse.
import { user } from "@stint/core/Actor"
import { Area, EngagementId, UserId } from "@stint/core/Ids"
import * as MentorState from "@stint/core/MentorState"
import type * as Policy from "@stint/core/Policy"
import * as Stint from "@stint/core/Stint"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"

/** How a store opens the Stint instances of one test. */
export interface CapacityBackend {
  /** How many Stint instances share the store; the agreements go round-robin over them. */
  readonly instances: number
  /**
   * Opens a fresh, empty store for one test (released with its scope) and returns the layer of
   * instance `index` on it. Instance 0 is built and used first: it is the one to run migrations.
   */
  readonly open: Effect.Effect<(index: number) => Layer.Layer<Stint.Stint, unknown>, unknown, Scope.Scope>
}

const mentorId = UserId.make("mentor-capacity")
const area = Area.make("typescript")
const goals = [{ statement: "Ship the thing", successCriterion: "It is shipped" }]
const engagementId = (i: number) => EngagementId.make(`c0000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
const requests = 10

/** Registers the mentor, files ten requests, then sends all ten agreements at once. */
const agreeAllAtOnce = (backend: CapacityBackend, capacity: Policy.Capacity, sessionsEach: number) =>
  Effect.gen(function* () {
    const layerOf = yield* backend.open
    const stints: Array<Context.Tag.Service<typeof Stint.Stint>> = []
    // One after the other, so instance 0 has migrated the store before the others open it.
    for (let i = 0; i < backend.instances; i++) {
      stints.push(Context.get(yield* Layer.build(layerOf(i)), Stint.Stint))
    }
    const first = stints[0]!
    const setup = yield* Effect.either(
      Effect.gen(function* () {
        yield* first.execute({ _tag: "RegisterMentor", mentorId, areas: [area], capacity }, { actor: user(mentorId) })
        for (let i = 1; i <= requests; i++) {
          yield* first.execute(
            {
              _tag: "RequestEngagement",
              engagementId: engagementId(i),
              mentorId,
              area,
              need: "Help",
              goals,
              scope: { sessions: sessionsEach }
            },
            { actor: user(UserId.make(`mentee-${i}`)) }
          )
        }
      })
    )
    assert.isTrue(Either.isRight(setup), `setup failed: ${JSON.stringify(setup)}`)

    const results = yield* Effect.all(
      Array.from({ length: requests }, (_, i) =>
        Effect.either(
          stints[i % stints.length]!.execute(
            { _tag: "AgreeEngagement", engagementId: engagementId(i + 1) },
            { actor: user(mentorId) }
          )
        )
      ),
      { concurrency: "unbounded" }
    )
    const mentor = yield* first.mentor(mentorId)
    assert.isDefined(mentor)
    return { results, mentor: mentor! }
  }).pipe(Effect.scoped)

/** Exactly `succeeded` agreements went through, every other one was refused for capacity, and the mentor's seats agree. */
const assertExactly = (
  outcome: {
    readonly results: ReadonlyArray<Either.Either<unknown, { readonly _tag: string }>>
    readonly mentor: MentorState.Mentor
  },
  succeeded: number,
  committed: number
) => {
  const refused = outcome.results.filter(Either.isLeft).map((result) => result.left._tag)
  assert.strictEqual(outcome.results.filter(Either.isRight).length, succeeded)
  assert.deepStrictEqual(refused, Array(requests - succeeded).fill("MentorAtCapacity"))
  assert.strictEqual(outcome.mentor.seats.size, succeeded)
  assert.strictEqual(MentorState.committedSessions(outcome.mentor), committed)
  assert.isAtMost(outcome.mentor.seats.size, outcome.mentor.capacity.engagements)
  assert.isAtMost(MentorState.committedSessions(outcome.mentor), outcome.mentor.capacity.sessions)
}

/** Registers the INV-12 capacity-under-concurrency suite for a store. */
export const capacityContract = (name: string, backend: CapacityBackend): void => {
  describe(`INV-12 mentor capacity under concurrency: ${name}`, () => {
    const over = `${backend.instances} instance${backend.instances === 1 ? "" : "s"}`

    it.live(`${requests} agreements at once over ${over}, capacity 3 engagements / 8 sessions, 2 each: exactly 3`, () =>
      Effect.map(agreeAllAtOnce(backend, { engagements: 3, sessions: 8 }, 2), (outcome) =>
        // min(3 engagements, floor(8 / 2) sessions)
        assertExactly(outcome, 3, 6)
      )
    )

    it.live(`sessions binding first over ${over}: capacity 5 / 8, 3 sessions each: exactly 2`, () =>
      Effect.map(agreeAllAtOnce(backend, { engagements: 5, sessions: 8 }, 3), (outcome) => assertExactly(outcome, 2, 6))
    )
  })
}
