/** Statement projections: the host's own tables, written in the projection's transaction. */
import { Actor, Command, Ids, Projections, Stint } from "@stint/core"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjection from "@stint/sql/SqlProjection"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { type Backend, backends } from "./fixtures.js"

/** Requests per area, per generation, in a table of the host's. */
const requestsByArea = (failOn?: string) =>
  SqlProjection.make({
    name: "host-requests-by-area",
    version: 1,
    handles: ["EngagementRequested"],
    prepare: () =>
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`CREATE TABLE IF NOT EXISTS host_requests_by_area (
          generation INTEGER NOT NULL, area TEXT NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (generation, area))`
      ),
    apply: (envelopes, generation) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.forEach(
          envelopes,
          ({ event }) =>
            event._tag !== "EngagementRequested"
              ? Effect.void
              : event.area === failOn
                ? Effect.fail(new Error(`refusing ${event.area}`))
                : sql`INSERT INTO host_requests_by_area (generation, area, requests) VALUES (${generation}, ${event.area}, 1)
                    ON CONFLICT (generation, area) DO UPDATE SET requests = host_requests_by_area.requests + 1`,
          { discard: true }
        )
      ),
    retire: (generation) =>
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`DELETE FROM host_requests_by_area WHERE generation = ${generation}`
      )
  })

const stack = (backend: Backend, database: string, mode: "inline" | "async", failOn?: string) =>
  Layer.unwrapEffect(
    Effect.map(requestsByArea(failOn), (projection) =>
      Stint.layerWithProjections(SqlEventStore.layer(), {
        projections: { [mode]: [projection], run: false }
      }).pipe(Layer.provideMerge(SqlProjectionStore.layer()))
    )
  ).pipe(Layer.provideMerge(backend.client(database)))

const ask = (n: number, area: string) =>
  Effect.flatMap(Stint.Stint, (stint) =>
    stint.execute(
      Command.RequestEngagement.make({
        engagementId: Ids.EngagementId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`),
        mentorId: Ids.UserId.make("ana"),
        area: Ids.Area.make(area),
        need: "Help",
        goals: [{ statement: "A goal", successCriterion: "A criterion" }]
      }),
      { actor: Actor.user(Ids.UserId.make(`mentee-${n}`)) }
    )
  )

const register = Effect.flatMap(Stint.Stint, (stint) =>
  stint.execute(
    Command.RegisterMentor.make({
      mentorId: Ids.UserId.make("ana"),
      areas: [Ids.Area.make("sql"), Ids.Area.make("go"), Ids.Area.make("bad")]
    }),
    { actor: Actor.user(Ids.UserId.make("ana")) }
  )
)

const table = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    sql<{ generation: number; area: string; requests: number }>`
      SELECT generation, area, requests FROM host_requests_by_area ORDER BY generation, area`
).pipe(Effect.map((rows) => rows.map((r) => `${r.generation}:${r.area}=${r.requests}`)))

for (const backend of backends) {
  describe.skipIf(backend.skip)(`statement projections on ${backend.name}`, () => {
    it.effect("async: the host's table follows the log; a rebuild fills a new generation and retires the old", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        yield* Effect.gen(function* () {
          const projections = yield* Projections.Projections
          yield* register
          for (let n = 1; n <= 5; n++) yield* ask(n, n % 2 === 0 ? "go" : "sql")
          yield* projections.catchUp()
          yield* projections.catchUp()
          assert.deepStrictEqual(yield* table, ["1:go=2", "1:sql=3"])
          yield* ask(6, "go")
          yield* projections.catchUp()
          assert.deepStrictEqual(yield* table, ["1:go=3", "1:sql=3"])
          yield* projections.rebuild("host-requests-by-area")
          assert.deepStrictEqual(yield* table, ["2:go=3", "2:sql=3"])
        }).pipe(Effect.provide(stack(backend, database, "async")))
      }).pipe(Effect.scoped)
    )

    it.effect("a failing statement rolls back its batch: no rows, checkpoint where it was", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        yield* Effect.gen(function* () {
          const projections = yield* Projections.Projections
          yield* register
          yield* ask(1, "sql")
          yield* ask(2, "bad")
          const exit = yield* Effect.exit(projections.catchUp())
          assert.isTrue(Exit.isFailure(exit))
          assert.deepStrictEqual(yield* table, [])
          const [status] = yield* projections.status
          assert.strictEqual(status!.serving!.eventsDone, 0)
        }).pipe(Effect.provide(stack(backend, database, "async", "bad")))
      }).pipe(Effect.scoped)
    )

    it.effect("inline: the host's rows change with the append", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        yield* Effect.gen(function* () {
          yield* register
          yield* (yield* Projections.Projections).catchUp()
          yield* ask(1, "sql")
          assert.deepStrictEqual(yield* table, ["1:sql=1"])
        }).pipe(Effect.provide(stack(backend, database, "inline")))
        yield* Effect.gen(function* () {
          // A failing statement fails the command: neither the event nor the row is written.
          const exit = yield* Effect.exit(ask(2, "bad"))
          assert.isTrue(Exit.isFailure(exit))
          assert.deepStrictEqual(yield* table, ["1:sql=1"])
          assert.isUndefined(
            yield* Effect.flatMap(Stint.Stint, (s) =>
              s.engagement(Ids.EngagementId.make("00000000-0000-4000-8000-000000000002"))
            )
          )
        }).pipe(Effect.provide(stack(backend, database, "inline", "bad")))
      }).pipe(Effect.scoped)
    )
  })
}
