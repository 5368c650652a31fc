/**
 * INV-12 on real databases: many concurrent agreements with one mentor never exceed the mentor's
 * capacity, and exactly as many succeed as the capacity allows. On PostgreSQL each agreement comes
 * from its own Stint instance on its own connection, as from separate app processes; on SQLite from
 * concurrent fibers, and from two connections to one file.
 */
import { user } from "@stint/core/Actor"
import { Area, EngagementId, UserId } from "@stint/core/Ids"
import * as Policy from "@stint/core/Policy"
import * as MentorState from "@stint/core/MentorState"
import * as Stint from "@stint/core/Stint"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import type * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { describePg, freshPgDatabase, pgClientAt, sqliteClientAt, temporaryDirectory } from "./fixtures.js"

const mentorId = UserId.make("mentor-capacity")
const area = Area.make("typescript")
const goals = [{ statement: "Ship the thing", successCriterion: "It is shipped" }]
const engagementId = (i: number) => EngagementId.make(`d0000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
const requests = 10

type Runtime = ManagedRuntime.ManagedRuntime<Stint.Stint, unknown>

const stintOn = (client: Layer.Layer<SqlClient.SqlClient, unknown>, migrate: boolean): Runtime =>
  ManagedRuntime.make(
    Stint.layer().pipe(
      Layer.provide(SqlEventStore.layer({ migrate })),
      Layer.provide(client),
      Layer.provide(Policy.layerDefault)
    )
  )

const runtimes = (make: () => ReadonlyArray<Runtime>) =>
  Effect.acquireRelease(Effect.sync(make), (all) => Effect.promise(() => Promise.all(all.map((r) => r.dispose()))))

/** Registers the mentor, files ten requests, then sends all ten agreements at once, round-robin over `runtimes`. */
const agreeAllAtOnce = (all: ReadonlyArray<Runtime>, sessionsEach: number, capacity: Policy.Capacity) =>
  Effect.gen(function* () {
    const first = all[0]!
    const run = <A, E>(runtime: Runtime, effect: Effect.Effect<A, E, Stint.Stint>) =>
      Effect.promise(() => runtime.runPromise(Effect.either(effect)))
    const setup = Effect.gen(function* () {
      const stint = yield* Stint.Stint
      yield* stint.execute({ _tag: "RegisterMentor", mentorId, areas: [area], capacity }, { actor: user(mentorId) })
      for (let i = 1; i <= requests; i++) {
        yield* stint.execute(
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
    const prepared = yield* run(first, setup)
    assert.isTrue(Either.isRight(prepared), `setup failed: ${JSON.stringify(prepared)}`)
    const results = yield* Effect.all(
      Array.from({ length: requests }, (_, i) =>
        run(
          all[i % all.length]!,
          Effect.flatMap(Stint.Stint, (stint) =>
            stint.execute({ _tag: "AgreeEngagement", engagementId: engagementId(i + 1) }, { actor: user(mentorId) })
          )
        )
      ),
      { concurrency: "unbounded" }
    )
    const mentor = yield* Effect.promise(() =>
      first.runPromise(Effect.flatMap(Stint.Stint, (stint) => stint.mentor(mentorId)))
    )
    return { results, mentor: mentor! }
  })

const expectExactly = (
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

describe("INV-12 mentor capacity under concurrency, SQLite", () => {
  it.live("10 concurrent agreements on one connection, capacity 3 engagements / 8 sessions: exactly 3", () =>
    Effect.gen(function* () {
      const directory = yield* temporaryDirectory
      const all = yield* runtimes(() => [stintOn(sqliteClientAt(`${directory}/stint.db`), true)])
      expectExactly(yield* agreeAllAtOnce(all, 2, { engagements: 3, sessions: 8 }), 3, 6)
    }).pipe(Effect.scoped)
  )

  it.live("two connections to one file, sessions binding first (capacity 5 / 8, 3 each): exactly 2", () =>
    Effect.gen(function* () {
      const directory = yield* temporaryDirectory
      const file = `${directory}/stint.db`
      const all = yield* runtimes(() => [stintOn(sqliteClientAt(file), true), stintOn(sqliteClientAt(file), true)])
      expectExactly(yield* agreeAllAtOnce(all, 3, { engagements: 5, sessions: 8 }), 2, 6)
    }).pipe(Effect.scoped)
  )
})

describePg("INV-12 mentor capacity under concurrency, PostgreSQL", () => {
  it.live("10 agreements from 10 instances on 10 connections, capacity 3 / 8: exactly 3", () =>
    Effect.gen(function* () {
      const url = yield* freshPgDatabase
      const all = yield* runtimes(() =>
        Array.from({ length: requests }, (_, i) => stintOn(pgClientAt(url, 1), i === 0))
      )
      expectExactly(yield* agreeAllAtOnce(all, 2, { engagements: 3, sessions: 8 }), 3, 6)
    }).pipe(Effect.scoped)
  )

  it.live("sessions binding first (capacity 5 / 8, 3 sessions each): exactly 2", () =>
    Effect.gen(function* () {
      const url = yield* freshPgDatabase
      const all = yield* runtimes(() =>
        Array.from({ length: requests }, (_, i) => stintOn(pgClientAt(url, 1), i === 0))
      )
      expectExactly(yield* agreeAllAtOnce(all, 3, { engagements: 5, sessions: 8 }), 2, 6)
    }).pipe(Effect.scoped)
  )
})
