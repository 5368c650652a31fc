/**
 * Async projections on real databases, under what production does to them: a new version built
 * beside the one serving reads, two runners at once, a runner interrupted mid-batch, and a process
 * killed mid-build. Each ends compared with the log itself: no event skipped, none applied twice.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as ProjectionStore from "@stint/core/ProjectionStore"
import * as Projections from "@stint/core/Projections"
import { EventStore } from "@stint/core/EventStore"
import * as StreamId from "@stint/core/StreamId"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import { counting, declare, declareMany, interests } from "@stint/testing/ProjectionFixtures"
import { assert, describe, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { Chunk, Effect, Fiber, Layer, Option, Schedule, Stream } from "effect"
import { type Backend, backends } from "./fixtures.js"

const stack = (backend: Backend, database: string, options: Projections.Options) =>
  Projections.layer(options).pipe(
    Layer.provideMerge(SqlEventStore.layer()),
    Layer.provideMerge(SqlProjectionStore.layer()),
    Layer.provide(backend.client(database))
  )

/** Every mentee stream's length, read from the log. */
const streamLengths = Effect.gen(function* () {
  const store = yield* EventStore
  const lengths = new Map<string, number>()
  for (const record of yield* Stream.runCollect(store.readAll())) {
    const id = StreamId.idOf(record.streamId)
    lengths.set(id, Math.max(lengths.get(id) ?? 0, record.version))
  }
  return lengths
})

/** The counting projection's documents equal the log: each stream's events counted once. */
const assertCountsMatchLog = Effect.gen(function* () {
  const projections = yield* Projections.Projections
  const lengths = yield* streamLengths
  const documents = new Map<string, { events: number; lastVersion: number }>()
  let cursor: string | undefined
  do {
    const page = yield* projections.list(counting, { limit: 1000, ...(cursor ? { cursor } : {}) })
    for (const item of page.items) documents.set(item.id, item.document)
    cursor = page.next
  } while (cursor !== undefined)
  assert.strictEqual(documents.size, lengths.size)
  for (const [id, length] of lengths) {
    assert.deepStrictEqual(documents.get(id), { events: length, lastVersion: length }, `stream ${id}`)
  }
})

const writeMany = (streams: number, perStream: number) =>
  Effect.forEach(
    Array.from({ length: streams * perStream }, (_, i) => i),
    (i) => declare(`w${i % streams}`, ["sql"], i),
    { concurrency: 4, discard: true }
  )

for (const backend of backends) {
  describe.skipIf(backend.skip)(`projection runs on ${backend.name}`, () => {
    it.live(
      "a new version builds beside the old one, which serves reads until the switch",
      () =>
        Effect.gen(function* () {
          const database = yield* backend.database
          yield* Effect.gen(function* () {
            for (let i = 0; i < 9; i++) yield* declare(`v${i}`, ["sql"], i)
            yield* (yield* Projections.Projections).catchUp()
          }).pipe(Effect.provide(stack(backend, database, { async: [interests(1)], run: false })))

          const v2 = interests(2, "v2:")
          yield* Effect.gen(function* () {
            const projections = yield* Projections.Projections
            const served: Array<string> = []
            yield* projections.rebuild(v2.name, {
              onProgress: () =>
                Effect.orDie(
                  Effect.map(projections.get(v2, "v8"), (doc) => {
                    served.push(Option.getOrThrow(doc).areas[0]!)
                  })
                )
            })
            // While v2 was building, reads came from version 1.
            assert.deepStrictEqual(served, ["sql", "sql", "sql", "sql", "sql"])
            assert.deepStrictEqual(Option.getOrThrow(yield* projections.get(v2, "v8")).areas, ["v2:sql"])
            const [status] = yield* projections.status
            assert.deepStrictEqual([status!.serving!.version, status!.building], [2, undefined])
          }).pipe(Effect.provide(stack(backend, database, { async: [v2], run: false, batchSize: 2 })))

          // A process still on version 1 (a rolling deploy) leaves the projection to the newer ones.
          yield* Effect.gen(function* () {
            const projections = yield* Projections.Projections
            yield* projections.catchUp()
            const [status] = yield* projections.status
            assert.deepStrictEqual([status!.serving!.version, status!.building], [2, undefined])
          }).pipe(Effect.provide(stack(backend, database, { async: [interests(1)], run: false })))
        }).pipe(Effect.scoped),
      60_000
    )

    it.live(
      "a runner interrupted mid-batch, again and again, neither skips nor repeats an event",
      () =>
        Effect.gen(function* () {
          const projections = yield* Projections.Projections
          yield* Effect.forEach(
            Array.from({ length: 30 }, (_, i) => i),
            (i) => declareMany(`w${i}`, 100),
            {
              discard: true
            }
          )
          for (let round = 0; round < 8; round++) {
            const fiber = yield* Effect.fork(projections.catchUp())
            yield* Effect.sleep(`${1 + round} millis`)
            yield* Fiber.interrupt(fiber)
          }
          const [before] = yield* projections.status
          assert.isBelow(before!.serving?.eventsDone ?? 0, 3000, "the interruptions left work to do")
          yield* projections.catchUp()
          yield* assertCountsMatchLog
        }).pipe(
          Effect.provide(
            Layer.unwrapScoped(
              Effect.map(backend.database, (database) =>
                stack(backend, database, { async: [counting], run: false, batchSize: 3 })
              )
            )
          )
        ),
      60_000
    )

    it.live(
      "a process killed mid-build: the next runner resumes from the last commit",
      () =>
        Effect.gen(function* () {
          const database = yield* backend.database
          yield* Effect.gen(function* () {
            yield* Effect.forEach(
              Array.from({ length: 30 }, (_, i) => i),
              (i) => declareMany(`k${i}`, 100),
              {
                discard: true
              }
            )
            const projections = yield* Projections.Projections
            const child = spawn(
              process.execPath,
              [
                "--import",
                "tsx",
                fileURLToPath(new URL("./support/runner-child.ts", import.meta.url)),
                backend.name === "SQLite" ? "sqlite" : "pg",
                database
              ],
              { stdio: ["ignore", "pipe", "inherit"], cwd: fileURLToPath(new URL("..", import.meta.url)) }
            )
            const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
            // Kill it once it has committed some batches, long before it is done.
            let done = 0
            for (let i = 0; i < 3000 && done < 300; i++) {
              yield* Effect.sleep("5 millis")
              done = (yield* projections.status)[0]?.serving?.eventsDone ?? 0
            }
            child.kill("SIGKILL")
            yield* Effect.promise(() => exited)
            const [after] = yield* projections.status
            assert.isAtLeast(after!.serving!.eventsDone, 300)
            assert.isBelow(after!.serving!.eventsDone, 3000, "killed before the end")
            yield* projections.catchUp()
            yield* assertCountsMatchLog
            const [status] = yield* projections.status
            assert.strictEqual(status!.serving!.generation, 1, "resumed, not rebuilt")
          }).pipe(Effect.provide(stack(backend, database, { async: [counting], run: false })))
        }).pipe(Effect.scoped),
      120_000
    )
  })
}

describe.skipIf(backends[1]!.skip)("two runners against one PostgreSQL", () => {
  it.live(
    "leased runners and competing catch-ups while writers write: no document applied twice",
    () =>
      Effect.gen(function* () {
        const backend = backends[1]!
        const database = yield* backend.database
        const options = { async: [counting], leaseRetry: "50 millis", batchSize: 13 } as const
        const first = yield* Layer.build(stack(backend, database, options))
        const second = yield* Layer.build(stack(backend, database, options))
        const writers = yield* Effect.fork(Effect.provide(writeMany(25, 24), first))
        // Besides the leased runners, both processes force catch-ups: they race on the checkpoint.
        const racers = yield* Effect.fork(
          Effect.all(
            [first, second].map((context) =>
              Effect.provide(
                Effect.repeatN(
                  Effect.flatMap(Projections.Projections, (p) => p.catchUp()),
                  15
                ),
                context
              )
            ),
            { concurrency: "unbounded" }
          )
        )
        yield* Fiber.join(writers)
        yield* Fiber.join(racers)
        yield* Effect.provide(
          Effect.gen(function* () {
            yield* (yield* Projections.Projections).catchUp()
            yield* assertCountsMatchLog
          }),
          second
        )
        const lengths = yield* Effect.provide(streamLengths, first)
        assert.strictEqual(Chunk.size(Chunk.fromIterable(lengths.values())), 25)
      }).pipe(Effect.scoped),
    120_000
  )
})

describe.skipIf(backends[1]!.skip)("a runner on PostgreSQL when the database drops its connections", () => {
  it.live("the store's leases work again once their connection was cut (as by a database restart)", () =>
    Effect.gen(function* () {
      const backend = backends[1]!
      const database = yield* backend.database
      const context = yield* Layer.build(SqlProjectionStore.layer().pipe(Layer.provideMerge(backend.client(database))))
      const lease = (name: string) =>
        Effect.scoped(Effect.flatMap(ProjectionStore.ProjectionStore, (store) => store.lease(name)))
      assert.isTrue(yield* Effect.provide(lease("a"), context))
      yield* Effect.provide(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`
        ),
        yield* Layer.build(backend.client(database))
      )
      // The first attempt may find the dead connection; a retry gets a new one.
      const again = yield* Effect.provide(lease("b"), context).pipe(Effect.retry({ times: 2 }))
      assert.isTrue(again)
    }).pipe(Effect.scoped)
  )

  it.live(
    "takes its lease again on a new connection and catches up",
    () =>
      Effect.gen(function* () {
        const backend = backends[1]!
        const database = yield* backend.database
        const context = yield* Layer.build(
          stack(backend, database, { async: [counting], leaseRetry: "100 millis", followInterval: "10 millis" })
        )
        const waitForCount = (id: string, events: number) =>
          Effect.provide(
            Effect.gen(function* () {
              const projections = yield* Projections.Projections
              for (let i = 0; i < 300; i++) {
                const doc = yield* projections.get(counting, id).pipe(Effect.orElseSucceed(() => Option.none()))
                if (Option.isSome(doc) && doc.value.events === events) return true
                yield* Effect.sleep("50 millis")
              }
              return false
            }),
            context
          )
        yield* Effect.provide(declare("x", ["sql"]), context)
        assert.isTrue(yield* waitForCount("x", 1))
        // As a database restart would: every connection of this database is cut, the lease's too.
        const admin = yield* Layer.build(backend.client(database))
        yield* Effect.provide(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) =>
              sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()`
          ),
          admin
        )
        // The pool opens new connections; the runner finds its lease gone and takes it again.
        yield* Effect.provide(declare("x", ["sql"]), context).pipe(
          Effect.retry({ times: 20, schedule: Schedule.spaced("100 millis") })
        )
        assert.isTrue(yield* waitForCount("x", 2), "the runner caught up after the connections were cut")
      }).pipe(Effect.scoped),
    60_000
  )
})
