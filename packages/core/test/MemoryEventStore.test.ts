import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import * as Checkpoint from "@stint/core/Checkpoint"
import { EventStore } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import * as MemoryEventStore from "@stint/core/MemoryEventStore"
import * as StreamId from "@stint/core/StreamId"
import { storeContract } from "@stint/testing/StoreContract"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, DateTime, Effect, Exit, Fiber, Option, Stream, TestClock } from "effect"

storeContract("memory", MemoryEventStore.layerMemory)

const request = (
  streamId: StreamId.StreamId,
  expected: ExpectedVersion.ExpectedVersion,
  types: ReadonlyArray<string>
) => ({
  commandId: Ids.CommandId.make(crypto.randomUUID()),
  actor: Actor.system,
  correlationId: "correlation",
  causationId: "causation",
  streams: [
    {
      streamId,
      expected,
      events: types.map((type) => ({ eventId: crypto.randomUUID(), type, data: {}, schemaVersion: 1 }))
    }
  ]
})

describe("MemoryEventStore", () => {
  it.effect("starts empty: head is the start, readAll ends at once", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      assert.deepStrictEqual(yield* store.head, Checkpoint.start)
      assert.strictEqual(Chunk.size(yield* Stream.runCollect(store.readAll())), 0)
    })
  )

  it.effect("numbers commits and positions from 1, one commit per append", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      const a = StreamId.make("test", "a")
      const first = yield* store.append(request(a, ExpectedVersion.noStream, ["A", "B"]))
      const second = yield* store.append(request(a, ExpectedVersion.exact(2), ["C"]))
      assert.deepStrictEqual(
        [...first.events, ...second.events].map((event) => [event.commit, event.position]),
        [
          [1n, 1n],
          [1n, 2n],
          [2n, 3n]
        ]
      )
      assert.deepStrictEqual(yield* store.head, { commit: 2n, position: 3n })
    })
  )

  it.effect("each layer build is a separate store", () =>
    Effect.gen(function* () {
      const a = StreamId.make("test", "a")
      const write = Effect.flatMap(EventStore, (store) => store.append(request(a, ExpectedVersion.noStream, ["A"])))
      yield* Effect.provide(write, MemoryEventStore.layerMemory)
      yield* Effect.provide(write, MemoryEventStore.layerMemory)
    })
  )

  it.effect("recordedAt comes from the Clock", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      yield* TestClock.setTime(1_700_000_000_000)
      const result = yield* store.append(request(StreamId.make("test", "a"), ExpectedVersion.any, ["A"]))
      assert.strictEqual(DateTime.toEpochMillis(result.events[0]!.metadata.recordedAt), 1_700_000_000_000)
    })
  )

  it.effect("stored data is a copy: mutating the appended payload changes nothing", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      const streamId = StreamId.make("test", "a")
      const data = { list: [1] }
      const req = request(streamId, ExpectedVersion.any, [])
      yield* store.append({
        ...req,
        streams: [{ ...req.streams[0]!, events: [{ eventId: "e", type: "A", data, schemaVersion: 1 }] }]
      })
      data.list.push(2)
      assert.deepStrictEqual((yield* store.readStream(streamId))[0]!.data, { list: [1] })
    })
  )

  it.effect("a subscription on an empty store waits for the first append", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      const fiber = yield* store.subscribe().pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* Effect.yieldNow()
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* store.append(request(StreamId.make("test", "a"), ExpectedVersion.any, ["A"]))
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        Chunk.map(events, (event) => event.type),
        Chunk.of("A")
      )
    })
  )

  it.effect("version races on one stream: exactly one of many exact appends wins", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      const streamId = StreamId.make("test", "race")
      const exits = yield* Effect.all(
        Array.from({ length: 20 }, () => Effect.exit(store.append(request(streamId, ExpectedVersion.noStream, ["A"])))),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(exits.filter(Exit.isSuccess).length, 1)
      assert.strictEqual((yield* store.readStream(streamId)).length, 1)
    })
  )

  it.effect("a batch size that is not a positive integer is a defect", () =>
    Effect.gen(function* () {
      const store = yield* MemoryEventStore.make
      const exit = yield* Effect.exit(Stream.runCollect(store.readAll({ batchSize: 0 })))
      assert.isTrue(Exit.isFailure(exit))
    })
  )
})
