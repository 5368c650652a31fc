/**
 * The global log never skips and never repeats on PostgreSQL under concurrent writers.
 *
 * Eight writers, each on its own connection, append while readers follow the log by checkpoint.
 * Some writers append inside a longer host transaction (as an inline projection will), so positions
 * are handed out long before they become visible: exactly the case where a reader going by
 * `position > last` passes over an event for good. A naive reader runs beside ours to show that the
 * scenario really produces late commits — and ours must still see every event exactly once.
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import * as Checkpoint from "@stint/core/Checkpoint"
import { EventStore } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import * as StreamId from "@stint/core/StreamId"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Layer, ManagedRuntime, Option, Random, Ref, Stream } from "effect"
import { describePg, freshPgDatabase, pgClientAt } from "./fixtures.js"

const writers = 8
const appendsPerWriter = 60

/** A writer: its own connection and store, as another app process would have. */
const writerRuntime = (url: string) =>
  ManagedRuntime.make(SqlEventStore.layer({ migrate: false }).pipe(Layer.provideMerge(pgClientAt(url, 1))))

const checkpointOf = (event: RecordedEvent): Checkpoint.Checkpoint => ({
  commit: event.commit,
  position: event.position
})

describePg("global order on PostgreSQL", () => {
  it.live(
    `${writers} writer connections, a following reader and a subscriber: every committed event exactly once, in order`,
    () =>
      Effect.gen(function* () {
        const url = yield* freshPgDatabase
        // The reader's store runs the migrations; the writers' stores find them applied.
        const reader = yield* Effect.acquireRelease(
          Effect.sync(() => ManagedRuntime.make(SqlEventStore.layer().pipe(Layer.provideMerge(pgClientAt(url, 4))))),
          (runtime) => Effect.promise(() => runtime.dispose())
        )
        const store = yield* Effect.promise(() => reader.runPromise(EventStore))
        const sql = yield* Effect.promise(() => reader.runPromise(SqlClient.SqlClient))
        const runtimes = yield* Effect.acquireRelease(
          Effect.sync(() => Array.from({ length: writers }, () => writerRuntime(url))),
          (all) => Effect.promise(() => Promise.all(all.map((runtime) => runtime.dispose())))
        )
        const total = writers * appendsPerWriter
        const done = yield* Ref.make(false)

        // Follows the log by checkpoint, the way an async projection does.
        const follower = yield* Effect.iterate(
          { from: Checkpoint.start, seen: [] as ReadonlyArray<RecordedEvent> },
          {
            while: ({ seen }) => seen.length < total,
            body: ({ from, seen }) =>
              Effect.gen(function* () {
                const page = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll({ from, batchSize: 25 })))
                if (page.length === 0) yield* Effect.sleep("2 millis")
                return {
                  from: page.length === 0 ? from : checkpointOf(page[page.length - 1]!),
                  seen: [...seen, ...page]
                }
              })
          }
        ).pipe(Effect.timeoutOption("60 seconds"), Effect.fork)

        const subscriber = yield* store
          .subscribe({ batchSize: 10 })
          .pipe(Stream.take(total), Stream.runCollect, Effect.timeoutOption("60 seconds"), Effect.fork)

        // What a reader going by position alone would see: it never looks back.
        const naive = yield* Effect.gen(function* () {
          let last = 0
          const seen = new Set<number>()
          while (true) {
            const finished = yield* Ref.get(done)
            const rows = yield* sql<{ readonly position: string }>`SELECT position FROM stint_events
              WHERE position > ${last} ORDER BY position LIMIT 50`.pipe(Effect.orDie)
            for (const row of rows) seen.add(Number(row.position))
            if (rows.length > 0) last = Number(rows[rows.length - 1]!.position)
            else if (finished) return seen
            else yield* Effect.sleep("1 millis")
          }
        }).pipe(Effect.fork)

        const written = yield* Effect.all(
          runtimes.map((runtime, w) =>
            Effect.promise(() =>
              runtime.runPromise(
                Effect.gen(function* () {
                  const writerStore = yield* EventStore
                  const writerSql = yield* SqlClient.SqlClient
                  const streamId = StreamId.make("order", `${w}-${randomUUID()}`)
                  const events: Array<RecordedEvent> = []
                  for (let n = 1; n <= appendsPerWriter; n++) {
                    const append = writerStore.append({
                      commandId: Ids.CommandId.make(randomUUID()),
                      actor: Actor.system,
                      correlationId: randomUUID(),
                      causationId: randomUUID(),
                      streams: [
                        {
                          streamId,
                          expected: ExpectedVersion.exact(n - 1),
                          events: [{ eventId: randomUUID(), type: "Ordered", data: { w, n }, schemaVersion: 1 }]
                        }
                      ]
                    })
                    // Odd writers hold their transaction open a little after appending: a late commit.
                    const result =
                      w % 2 === 1
                        ? yield* writerSql.withTransaction(
                            Effect.zipLeft(
                              append,
                              Effect.flatMap(Random.nextIntBetween(0, 6), (ms) => Effect.sleep(ms))
                            )
                          )
                        : yield* append
                    events.push(...result.events)
                  }
                  return events
                })
              )
            )
          ),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((perWriter) => perWriter.flat()))
        yield* Ref.set(done, true)

        assert.strictEqual(written.length, total)
        const ids = (events: ReadonlyArray<RecordedEvent>) => events.map((event) => event.eventId).sort()
        const assertIncreasing = (events: ReadonlyArray<RecordedEvent>, who: string) => {
          for (let i = 1; i < events.length; i++) {
            assert.strictEqual(
              Checkpoint.compare(checkpointOf(events[i - 1]!), checkpointOf(events[i]!)),
              -1,
              `${who}: event ${i} is not after event ${i - 1}`
            )
          }
        }

        const followed = yield* Fiber.join(follower)
        assert.isTrue(Option.isSome(followed), "the follower did not see every event in time")
        const seen = Option.getOrThrow(followed).seen
        assertIncreasing(seen, "follower")
        assert.strictEqual(seen.length, total, "the follower saw each event once")
        assert.deepStrictEqual(ids(seen), ids(written), "the follower saw every committed event")

        const subscribed = yield* Fiber.join(subscriber)
        assert.isTrue(Option.isSome(subscribed), "the subscriber did not see every event in time")
        const delivered = Chunk.toReadonlyArray(Option.getOrThrow(subscribed))
        assertIncreasing(delivered, "subscriber")
        assert.deepStrictEqual(ids(delivered), ids(written), "the subscriber saw every committed event once")

        const everything = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll()))
        assert.deepStrictEqual(ids(everything), ids(written), "a full read after the writers finished")

        // The scenario is sharp: a position-only reader lost events that ours did not.
        const naiveSeen = yield* Fiber.join(naive)
        const skipped = total - naiveSeen.size
        console.info(`global order: a position-only reader skipped ${skipped} of ${total} events; Stint's skipped 0`)
        assert.isTrue(skipped > 0, "expected late commits to make a position-only reader skip events")
      }).pipe(Effect.scoped),
    120_000
  )

  it.live("a writing transaction left open holds readers at the fence, for fenceTimeout at most", () =>
    Effect.gen(function* () {
      const url = yield* freshPgDatabase
      const runtime = yield* Effect.acquireRelease(
        Effect.sync(() =>
          ManagedRuntime.make(
            SqlEventStore.layer({ fenceTimeout: "300 millis" }).pipe(Layer.provideMerge(pgClientAt(url, 4)))
          )
        ),
        (r) => Effect.promise(() => r.dispose())
      )
      const store = yield* Effect.promise(() => runtime.runPromise(EventStore))
      const sql = yield* Effect.promise(() => runtime.runPromise(SqlClient.SqlClient))
      const append = (label: string) =>
        store.append({
          commandId: Ids.CommandId.make(randomUUID()),
          actor: Actor.system,
          correlationId: randomUUID(),
          causationId: randomUUID(),
          streams: [
            {
              streamId: StreamId.make("fence", label),
              expected: ExpectedVersion.any,
              events: [{ eventId: randomUUID(), type: label, data: {}, schemaVersion: 1 }]
            }
          ]
        })
      yield* append("before")
      // Another session opens a transaction and writes (so it holds a transaction id), then waits.
      const release = yield* Deferred.make<void>()
      const opened = yield* Deferred.make<void>()
      const blocker = yield* sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT pg_current_xact_id()`
            yield* Deferred.succeed(opened, undefined)
            yield* Deferred.await(release)
          })
        )
        .pipe(Effect.fork)
      yield* Deferred.await(opened)
      yield* append("after")
      const types = (events: Iterable<RecordedEvent>) => Array.from(events, (event) => event.type)

      // "after" committed, but a transaction older than it still runs: it is behind the fence.
      const held = types(yield* Stream.runCollect(store.readAll()))
      assert.deepStrictEqual(held, ["before"])
      assert.strictEqual((yield* store.head).position, 1n)

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(blocker)
      assert.deepStrictEqual(types(yield* Stream.runCollect(store.readAll())), ["before", "after"])
      assert.strictEqual((yield* store.head).position, 2n)
    }).pipe(Effect.scoped)
  )
})
