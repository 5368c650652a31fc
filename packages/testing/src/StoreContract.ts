/**
 * The event store contract: one suite of `@effect/vitest` tests that every adapter runs against its
 * own layer (memory, SQLite, PostgreSQL), so they all keep the semantics of `EventStore`.
 *
 * The tests never assume an empty store: each uses fresh random stream and command ids, and tests of
 * the global log read after the head taken at their start and look only at their own streams. An
 * adapter may therefore share one database between runs and between test files.
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import * as Checkpoint from "@stint/core/Checkpoint"
import { type AppendRequest, type AppendResult, EventStore, type StreamAppend } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import type { NewEvent, RecordedEvent } from "@stint/core/RecordedEvent"
import type { CommandIdReused, InvalidStoreData, StoreError, WrongExpectedVersion } from "@stint/core/StoreError"
import * as StreamId from "@stint/core/StreamId"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** Options of `storeContract`. */
export interface Options {
  /** How long building the layer may take (a database container can be slow to start). */
  readonly timeout?: Duration.DurationInput
}

/** A stream id no other test (or earlier run) uses. */
export const freshStreamId = (label: string): StreamId.StreamId => StreamId.make(`contract${label}`, randomUUID())

/** A command id no other test (or earlier run) uses. */
export const freshCommandId = (): Ids.CommandId => Ids.CommandId.make(randomUUID())

/** A new event with a random id and schema version 1. */
export const newEvent = (type: string, data: unknown = {}, schemaVersion = 1): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  schemaVersion
})

/** An append request by the system actor with fresh ids; override any field. */
export const appendRequest = (
  streams: ReadonlyArray<StreamAppend>,
  overrides: Partial<Omit<AppendRequest, "streams">> = {}
): AppendRequest => ({
  commandId: freshCommandId(),
  actor: Actor.system,
  correlationId: randomUUID(),
  causationId: randomUUID(),
  streams,
  ...overrides
})

/** What an event is, without object identity: comparable with `assert.deepStrictEqual` across adapters. */
export const describeEvent = (event: RecordedEvent) => ({
  eventId: event.eventId,
  streamId: event.streamId,
  version: event.version,
  checkpoint: Checkpoint.format({ commit: event.commit, position: event.position }),
  type: event.type,
  data: event.data,
  metadata: { ...event.metadata, recordedAt: DateTime.toEpochMillis(event.metadata.recordedAt) }
})

const describeResult = (result: AppendResult) => ({
  commandId: result.commandId,
  events: result.events.map(describeEvent),
  versions: result.versions
})

const checkpointOf = (event: RecordedEvent): Checkpoint.Checkpoint => ({
  commit: event.commit,
  position: event.position
})

/** Asserts that the events are in strictly increasing `(commit, position)` order. */
const assertStrictlyIncreasing = (events: ReadonlyArray<RecordedEvent>): void => {
  for (let i = 1; i < events.length; i++) {
    assert.strictEqual(
      Checkpoint.compare(checkpointOf(events[i - 1]!), checkpointOf(events[i]!)),
      -1,
      `checkpoint ${i} is not after checkpoint ${i - 1}`
    )
  }
}

type AppendError = WrongExpectedVersion | CommandIdReused | InvalidStoreData | StoreError

/** Runs an append that must fail with `WrongExpectedVersion`, and checks the error's fields. */
const expectWrongVersion = <R>(
  effect: Effect.Effect<unknown, AppendError, R>,
  expected: { readonly streamId: string; readonly expected: string; readonly actual: number }
) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "WrongExpectedVersion", `expected WrongExpectedVersion, got ${error._tag}`)
    const wrong = error as WrongExpectedVersion
    assert.deepStrictEqual(
      { streamId: wrong.streamId, expected: wrong.expected, actual: wrong.actual },
      { streamId: expected.streamId, expected: expected.expected, actual: expected.actual }
    )
  })

/** Runs an effect that must fail with `InvalidStoreData` naming `streamId`. */
const expectInvalid = <R>(effect: Effect.Effect<unknown, AppendError, R>, streamId: string) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "InvalidStoreData", `expected InvalidStoreData, got ${error._tag}`)
    assert.strictEqual((error as InvalidStoreData).streamId, streamId)
  })

/** Runs an append that must fail with `CommandIdReused` for `commandId`. */
const expectReused = <R>(effect: Effect.Effect<unknown, AppendError, R>, commandId: string) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "CommandIdReused", `expected CommandIdReused, got ${error._tag}`)
    assert.strictEqual((error as CommandIdReused).commandId, commandId)
  })

const append = (request: AppendRequest) => Effect.flatMap(EventStore, (store) => store.append(request))

/** Appends `events` to one stream. */
const appendTo = (
  streamId: StreamId.StreamId,
  expected: ExpectedVersion.ExpectedVersion,
  events: ReadonlyArray<NewEvent>
) => append(appendRequest([{ streamId, expected, events }]))

const readStream = (streamId: StreamId.StreamId, fromVersion?: number) =>
  Effect.flatMap(EventStore, (store) => store.readStream(streamId, fromVersion === undefined ? {} : { fromVersion }))

/** The whole log after `from`, collected. */
const readAll = (from: Checkpoint.Checkpoint, batchSize?: number) =>
  Effect.flatMap(EventStore, (store) =>
    Stream.runCollect(store.readAll(batchSize === undefined ? { from } : { from, batchSize }))
  ).pipe(Effect.map(Chunk.toReadonlyArray))

/** The events of `streams` in the log after `from`, in global order. */
const readAllOf = (from: Checkpoint.Checkpoint, streams: ReadonlyArray<string>, batchSize?: number) =>
  Effect.map(readAll(from, batchSize), (events) => events.filter((event) => streams.includes(event.streamId)))

const head = Effect.flatMap(EventStore, (store) => store.head)

const types = (events: ReadonlyArray<RecordedEvent>) => events.map((event) => event.type)
const versionsOf = (events: ReadonlyArray<RecordedEvent>) => events.map((event) => event.version)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/**
 * Registers the contract suite for an adapter: `storeContract("memory", MemoryEventStore.layerMemory)`.
 * The layer is built once for the suite and released after it; the tests run with the live clock.
 */
export const storeContract = (
  name: string,
  storeLayer: Layer.Layer<EventStore, unknown>,
  options: Options = {}
): void => {
  describe(`EventStore contract: ${name}`, () => {
    // Not `layer(...)` of @effect/vitest 0.30: it reassigns the shared `it.effect`, which would change
    // the other tests in the file that registers this suite.
    const runtime = ManagedRuntime.make(storeLayer)
    const hookTimeout = options.timeout === undefined ? undefined : Duration.toMillis(options.timeout)
    beforeAll(() => runtime.runPromise(Effect.void), hookTimeout)
    afterAll(() => runtime.dispose(), hookTimeout)

    /** One contract test, run against the adapter's store. */
    const contract = <A, E>(title: string, body: () => Effect.Effect<A, E, EventStore>): void =>
      it.live(title, () => Effect.provide(Effect.suspend(body), runtime))

    contract("any: appends to a new stream and to an existing one", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Any")
        const first = yield* appendTo(streamId, ExpectedVersion.any, [newEvent("A")])
        const second = yield* appendTo(streamId, ExpectedVersion.any, [newEvent("B")])
        assert.deepStrictEqual(first.versions, [{ streamId, version: 1 }])
        assert.deepStrictEqual(second.versions, [{ streamId, version: 2 }])
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A", "B"])
      })
    )

    contract("no_stream: appends to a new stream, refuses an existing one and writes nothing", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("NoStream")
        const first = yield* appendTo(streamId, ExpectedVersion.noStream, [newEvent("A")])
        assert.deepStrictEqual(first.versions, [{ streamId, version: 1 }])
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.noStream, [newEvent("B")]), {
          streamId,
          expected: "no_stream",
          actual: 1
        })
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A"])
      })
    )

    contract("stream_exists: refuses a new stream and writes nothing, appends to an existing one", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Exists")
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.streamExists, [newEvent("A")]), {
          streamId,
          expected: "stream_exists",
          actual: 0
        })
        assert.deepStrictEqual(yield* readStream(streamId), [])
        yield* appendTo(streamId, ExpectedVersion.noStream, [newEvent("A")])
        const second = yield* appendTo(streamId, ExpectedVersion.streamExists, [newEvent("B")])
        assert.deepStrictEqual(second.versions, [{ streamId, version: 2 }])
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A", "B"])
      })
    )

    contract("exact: appends at the current version, refuses a stale or a future one", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Exact")
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.exact(1), [newEvent("X")]), {
          streamId,
          expected: "1",
          actual: 0
        })
        yield* appendTo(streamId, ExpectedVersion.exact(0), [newEvent("A")])
        const second = yield* appendTo(streamId, ExpectedVersion.exact(1), [newEvent("B"), newEvent("C")])
        assert.deepStrictEqual(second.versions, [{ streamId, version: 3 }])
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.exact(2), [newEvent("X")]), {
          streamId,
          expected: "2",
          actual: 3
        })
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.exact(4), [newEvent("X")]), {
          streamId,
          expected: "4",
          actual: 3
        })
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.exact(0), [newEvent("X")]), {
          streamId,
          expected: "no_stream",
          actual: 3
        })
        const events = yield* readStream(streamId)
        assert.deepStrictEqual(types(events), ["A", "B", "C"])
        assert.deepStrictEqual(versionsOf(events), [1, 2, 3])
      })
    )

    contract("versions are 1-based and contiguous; the result has the events and each stream's version", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Versions")
        const sent = [newEvent("A"), newEvent("B"), newEvent("C")]
        const result = yield* appendTo(streamId, ExpectedVersion.noStream, sent)
        assert.isFalse(result.duplicate)
        assert.deepStrictEqual(versionsOf(result.events), [1, 2, 3])
        assert.deepStrictEqual(
          result.events.map((event) => event.eventId),
          sent.map((event) => event.eventId)
        )
        assert.deepStrictEqual(result.versions, [{ streamId, version: 3 }])
        assert.deepStrictEqual((yield* readStream(streamId)).map(describeEvent), result.events.map(describeEvent))
      })
    )

    contract("a multi-stream append writes every stream in one commit, in request order", () =>
      Effect.gen(function* () {
        const a = freshStreamId("MultiA")
        const b = freshStreamId("MultiB")
        const before = yield* head
        const result = yield* append(
          appendRequest([
            { streamId: a, expected: ExpectedVersion.noStream, events: [newEvent("A1"), newEvent("A2")] },
            { streamId: b, expected: ExpectedVersion.noStream, events: [newEvent("B1")] }
          ])
        )
        assert.deepStrictEqual(result.versions, [
          { streamId: a, version: 2 },
          { streamId: b, version: 1 }
        ])
        assert.deepStrictEqual(types(result.events), ["A1", "A2", "B1"])
        assert.strictEqual(new Set(result.events.map((event) => event.commit)).size, 1)
        assertStrictlyIncreasing(result.events)
        // One commit is contiguous in the global order: no other write sits between its events.
        const log = yield* readAll(before)
        const start = log.findIndex((event) => event.eventId === result.events[0]!.eventId)
        assert.deepStrictEqual(log.slice(start, start + 3).map(describeEvent), result.events.map(describeEvent))
      })
    )

    contract("a multi-stream append is all or nothing: a conflict on one stream writes no stream", () =>
      Effect.gen(function* () {
        const a = freshStreamId("AtomicA")
        const b = freshStreamId("AtomicB")
        yield* appendTo(b, ExpectedVersion.noStream, [newEvent("B1")])
        const before = yield* head
        const request = appendRequest([
          { streamId: a, expected: ExpectedVersion.any, events: [newEvent("A1"), newEvent("A2")] },
          { streamId: b, expected: ExpectedVersion.noStream, events: [newEvent("B2")] }
        ])
        yield* expectWrongVersion(append(request), { streamId: b, expected: "no_stream", actual: 1 })
        assert.deepStrictEqual(yield* readStream(a), [])
        assert.deepStrictEqual(types(yield* readStream(b)), ["B1"])
        assert.deepStrictEqual(yield* readAllOf(before, [a, b]), [])
        const store = yield* EventStore
        assert.isTrue(Option.isNone(yield* store.lookupCommand(request.commandId)))
      })
    )

    contract("a failed append records nothing for its command id: a retry with the same id can succeed", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Retry")
        const commandId = freshCommandId()
        const events = [newEvent("A")]
        yield* expectWrongVersion(
          append(appendRequest([{ streamId, expected: ExpectedVersion.exact(1), events }], { commandId })),
          { streamId, expected: "1", actual: 0 }
        )
        const retried = yield* append(
          appendRequest([{ streamId, expected: ExpectedVersion.noStream, events }], { commandId })
        )
        assert.isFalse(retried.duplicate)
        assert.deepStrictEqual(versionsOf(yield* readStream(streamId)), [1])
      })
    )

    contract("a stream with no events is checked, not written", () =>
      Effect.gen(function* () {
        const written = freshStreamId("CheckWritten")
        const checked = freshStreamId("Checked")
        // The checked stream does not exist: stream_exists fails and the other stream stays empty.
        yield* expectWrongVersion(
          append(
            appendRequest([
              { streamId: written, expected: ExpectedVersion.any, events: [newEvent("W1")] },
              { streamId: checked, expected: ExpectedVersion.streamExists, events: [] }
            ])
          ),
          { streamId: checked, expected: "stream_exists", actual: 0 }
        )
        assert.deepStrictEqual(yield* readStream(written), [])

        yield* appendTo(checked, ExpectedVersion.noStream, [newEvent("C1")])
        yield* expectWrongVersion(
          append(
            appendRequest([
              { streamId: written, expected: ExpectedVersion.any, events: [newEvent("W1")] },
              { streamId: checked, expected: ExpectedVersion.exact(2), events: [] }
            ])
          ),
          { streamId: checked, expected: "2", actual: 1 }
        )
        assert.deepStrictEqual(yield* readStream(written), [])

        const result = yield* append(
          appendRequest([
            { streamId: written, expected: ExpectedVersion.noStream, events: [newEvent("W1")] },
            { streamId: checked, expected: ExpectedVersion.exact(1), events: [] }
          ])
        )
        assert.deepStrictEqual(result.versions, [
          { streamId: written, version: 1 },
          { streamId: checked, version: 1 }
        ])
        assert.deepStrictEqual(types(result.events), ["W1"])
        assert.deepStrictEqual(types(yield* readStream(checked)), ["C1"])
        assert.deepStrictEqual(types(yield* readStream(written)), ["W1"])
      })
    )

    contract("an append without events checks versions and records nothing for its command id", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("CheckOnly")
        const store = yield* EventStore
        yield* appendTo(streamId, ExpectedVersion.noStream, [newEvent("A")])
        const before = yield* head
        const commandId = freshCommandId()
        const checked = yield* append(
          appendRequest([{ streamId, expected: ExpectedVersion.exact(1), events: [] }], { commandId })
        )
        assert.deepStrictEqual(checked.events, [])
        assert.isFalse(checked.duplicate)
        assert.deepStrictEqual(checked.versions, [{ streamId, version: 1 }])
        assert.isTrue(Option.isNone(yield* store.lookupCommand(commandId)))
        yield* expectWrongVersion(appendTo(streamId, ExpectedVersion.noStream, []), {
          streamId,
          expected: "no_stream",
          actual: 1
        })
        assert.deepStrictEqual(yield* readAllOf(before, [streamId]), [])
        // The command id is still free for an append that writes.
        const written = yield* append(
          appendRequest([{ streamId, expected: ExpectedVersion.exact(1), events: [newEvent("B")] }], { commandId })
        )
        assert.isFalse(written.duplicate)
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A", "B"])
      })
    )

    contract("idempotency: the same command id again writes nothing and returns the first result", () =>
      Effect.gen(function* () {
        const store = yield* EventStore
        const streamId = freshStreamId("Idem")
        const before = yield* head
        const request = appendRequest([
          { streamId, expected: ExpectedVersion.noStream, events: [newEvent("A"), newEvent("B")] }
        ])
        const first = yield* append(request)
        assert.isFalse(first.duplicate)
        // The expected version no longer holds: the command is recognised before versions are checked.
        const again = yield* append({
          ...request,
          streams: [{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("Other")] }]
        })
        assert.isTrue(again.duplicate)
        assert.deepStrictEqual(describeResult(again), describeResult(first))
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A", "B"])
        assert.deepStrictEqual(
          (yield* readAllOf(before, [streamId])).map(describeEvent),
          first.events.map(describeEvent)
        )
        const looked = yield* store.lookupCommand(request.commandId)
        assert.isTrue(Option.isSome(looked))
        assert.deepStrictEqual(describeResult(Option.getOrThrow(looked)), describeResult(first))
        assert.isTrue(Option.isNone(yield* store.lookupCommand(freshCommandId())))
      })
    )

    contract("idempotency under a race: 20 fibers appending one command id write it once", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("IdemRace")
        // `any` would let every racer write if the command id were checked apart from the write.
        const request = appendRequest([
          { streamId, expected: ExpectedVersion.any, events: [newEvent("A"), newEvent("B")] }
        ])
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => append(request)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((result) => !result.duplicate).length, 1)
        const original = describeResult(results.find((result) => !result.duplicate)!)
        for (const result of results) assert.deepStrictEqual(describeResult(result), original)
        assert.deepStrictEqual(versionsOf(yield* readStream(streamId)), [1, 2])
      })
    )

    contract(
      "fingerprints: the same request again is a duplicate; another under its id is refused, writing nothing",
      () =>
        Effect.gen(function* () {
          const store = yield* EventStore
          const streamId = freshStreamId("Print")
          const other = freshStreamId("PrintOther")
          const before = yield* head
          const request = appendRequest(
            [{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("A"), newEvent("B")] }],
            { fingerprint: "request-a" }
          )
          const first = yield* append(request)
          assert.isFalse(first.duplicate)
          assert.strictEqual(first.fingerprint, "request-a")
          // A retry: recognised before its versions are checked, whatever its events.
          const retry = yield* append({
            ...request,
            streams: [{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("Retry")] }]
          })
          assert.isTrue(retry.duplicate)
          assert.strictEqual(retry.fingerprint, "request-a")
          assert.deepStrictEqual(describeResult(retry), describeResult(first))
          // Without a fingerprint there is nothing to compare: a plain duplicate.
          const { fingerprint: _, ...unprinted } = request
          const plain = yield* append({
            ...unprinted,
            streams: [{ streamId: other, expected: ExpectedVersion.any, events: [newEvent("Plain")] }]
          })
          assert.isTrue(plain.duplicate)
          assert.deepStrictEqual(describeResult(plain), describeResult(first))
          // Another request under the same id, to another stream, with or without events.
          for (const events of [[newEvent("Reused")], []]) {
            yield* expectReused(
              append({
                ...request,
                fingerprint: "request-b",
                streams: [{ streamId: other, expected: ExpectedVersion.any, events }]
              }),
              request.commandId
            )
          }
          assert.deepStrictEqual(yield* readStream(other), [])
          assert.deepStrictEqual(types(yield* readStream(streamId)), ["A", "B"])
          assert.deepStrictEqual(
            (yield* readAllOf(before, [streamId, other])).map(describeEvent),
            first.events.map(describeEvent)
          )
          const looked = Option.getOrThrow(yield* store.lookupCommand(request.commandId))
          assert.strictEqual(looked.fingerprint, "request-a")
          assert.deepStrictEqual(describeResult(looked), describeResult(first))
        })
    )

    contract("fingerprints: an append without events records its command id; another request under it is refused", () =>
      Effect.gen(function* () {
        const store = yield* EventStore
        const streamId = freshStreamId("PrintCheck")
        yield* appendTo(streamId, ExpectedVersion.noStream, [newEvent("A")])
        const before = yield* head
        const request = appendRequest([{ streamId, expected: ExpectedVersion.exact(1), events: [] }], {
          fingerprint: "nothing-to-do"
        })
        const first = yield* append(request)
        assert.isFalse(first.duplicate)
        assert.deepStrictEqual(first.events, [])
        assert.deepStrictEqual(first.versions, [{ streamId, version: 1 }])
        assert.strictEqual(first.fingerprint, "nothing-to-do")
        const looked = Option.getOrThrow(yield* store.lookupCommand(request.commandId))
        assert.deepStrictEqual(describeResult(looked), describeResult(first))
        assert.strictEqual(looked.fingerprint, "nothing-to-do")
        // Another request under the id is refused even when it would write events.
        yield* expectReused(
          append({
            ...request,
            fingerprint: "something-to-do",
            streams: [{ streamId, expected: ExpectedVersion.exact(1), events: [newEvent("B")] }]
          }),
          request.commandId
        )
        // The same request again, or one without a fingerprint, is a duplicate and writes nothing.
        const { fingerprint: _, ...unprinted } = request
        for (const again of [request, unprinted]) {
          const duplicate = yield* append({
            ...again,
            streams: [{ streamId, expected: ExpectedVersion.exact(1), events: [newEvent("C")] }]
          })
          assert.isTrue(duplicate.duplicate)
          assert.deepStrictEqual(describeResult(duplicate), describeResult(first))
        }
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A"])
        assert.deepStrictEqual(yield* readAllOf(before, [streamId]), [])

        // A fingerprinted check that fails records nothing: the id stays free for any request.
        const failed = appendRequest([{ streamId, expected: ExpectedVersion.noStream, events: [] }], {
          fingerprint: "stale"
        })
        yield* expectWrongVersion(append(failed), { streamId, expected: "no_stream", actual: 1 })
        assert.isTrue(Option.isNone(yield* store.lookupCommand(failed.commandId)))
        const written = yield* append({
          ...failed,
          fingerprint: "fresh",
          streams: [{ streamId, expected: ExpectedVersion.exact(1), events: [newEvent("D")] }]
        })
        assert.isFalse(written.duplicate)
        assert.deepStrictEqual(types(yield* readStream(streamId)), ["A", "D"])
      })
    )

    contract(
      "fingerprints under a race: 20 fibers, one command id, two requests: one writes, the rest by fingerprint",
      () =>
        Effect.gen(function* () {
          const store = yield* EventStore
          // With events and without; each racer to a stream of its own, so no stream lock orders them.
          for (const eventsPerRacer of [1, 0]) {
            const commandId = freshCommandId()
            const racers = Array.from({ length: 20 }, (_, i) => ({
              streamId: freshStreamId(`PrintRace${i}`),
              fingerprint: i % 2 === 0 ? "even" : "odd"
            }))
            const results = yield* Effect.all(
              racers.map(({ fingerprint, streamId }) =>
                Effect.either(
                  append(
                    appendRequest(
                      [
                        {
                          streamId,
                          expected: ExpectedVersion.noStream,
                          events: Array.from({ length: eventsPerRacer }, () => newEvent("Raced"))
                        }
                      ],
                      { commandId, fingerprint }
                    )
                  )
                )
              ),
              { concurrency: "unbounded" }
            )
            const written = results.flatMap((result) =>
              result._tag === "Right" && !result.right.duplicate ? [result.right] : []
            )
            assert.strictEqual(written.length, 1, `${eventsPerRacer} event(s): exactly one racer writes`)
            const winner = written[0]!
            for (const [i, result] of results.entries()) {
              if (racers[i]!.fingerprint === winner.fingerprint) {
                const failure = result._tag === "Left" ? result.left._tag : ""
                assert.strictEqual(result._tag, "Right", `racer ${i} sent the winner's request, got ${failure}`)
                if (result._tag === "Right")
                  assert.deepStrictEqual(describeResult(result.right), describeResult(winner))
              } else {
                assert.strictEqual(result._tag, "Left", `racer ${i} sent another request`)
                if (result._tag === "Left") assert.strictEqual(result.left._tag, "CommandIdReused")
              }
            }
            const streams = yield* Effect.forEach(racers, ({ streamId }) => readStream(streamId))
            assert.strictEqual(streams.flat().length, eventsPerRacer)
            const looked = Option.getOrThrow(yield* store.lookupCommand(commandId))
            assert.strictEqual(looked.fingerprint, winner.fingerprint)
            assert.deepStrictEqual(describeResult(looked), describeResult(winner))
          }
        })
    )

    contract("fingerprints under a race: racers with and without one record a command id once", () =>
      Effect.gen(function* () {
        const commandId = freshCommandId()
        // Fingerprinted checks (no events) against plain appends (events, no fingerprint): neither is
        // a reuse of the other, and no unique key spans both kinds of record.
        const racers = Array.from({ length: 20 }, (_, i) => ({
          streamId: freshStreamId(`MixedRace${i}`),
          fingerprinted: i % 2 === 0
        }))
        const results = yield* Effect.all(
          racers.map(({ fingerprinted, streamId }) =>
            append(
              appendRequest(
                [
                  {
                    streamId,
                    expected: ExpectedVersion.noStream,
                    events: fingerprinted ? [] : [newEvent("Raced")]
                  }
                ],
                { commandId, ...(fingerprinted ? { fingerprint: "check" } : {}) }
              )
            )
          ),
          { concurrency: "unbounded" }
        )
        const written = results.filter((result) => !result.duplicate)
        assert.strictEqual(written.length, 1, "exactly one racer records the command id")
        for (const result of results) assert.deepStrictEqual(describeResult(result), describeResult(written[0]!))
        const streams = yield* Effect.forEach(racers, ({ streamId }) => readStream(streamId))
        assert.strictEqual(streams.flat().length, written[0]!.events.length)
      })
    )

    contract("readStream reads from a version, inclusive", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("FromVersion")
        yield* appendTo(
          streamId,
          ExpectedVersion.noStream,
          ["A", "B", "C"].map((type) => newEvent(type))
        )
        yield* appendTo(
          streamId,
          ExpectedVersion.exact(3),
          ["D", "E"].map((type) => newEvent(type))
        )
        assert.deepStrictEqual(versionsOf(yield* readStream(streamId)), [1, 2, 3, 4, 5])
        assert.deepStrictEqual(versionsOf(yield* readStream(streamId, 1)), [1, 2, 3, 4, 5])
        assert.deepStrictEqual(types(yield* readStream(streamId, 3)), ["C", "D", "E"])
        assert.deepStrictEqual(versionsOf(yield* readStream(streamId, 5)), [5])
        assert.deepStrictEqual(yield* readStream(streamId, 6), [])
        assert.deepStrictEqual(yield* readStream(freshStreamId("Unknown")), [])
      })
    )

    contract("metadata round-trips: actor, command, correlation and causation ids, schema version, recordedAt", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Metadata")
        const startedAt = yield* Clock.currentTimeMillis
        const before = yield* head
        const userRequest = appendRequest(
          [{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("A", {}, 3), newEvent("B", {}, 1)] }],
          { actor: Actor.user(Ids.UserId.make("ana@example.org")) }
        )
        const adminRequest = appendRequest(
          [{ streamId, expected: ExpectedVersion.exact(2), events: [newEvent("C", {}, 2)] }],
          { actor: Actor.admin(Ids.UserId.make("root")) }
        )
        const systemRequest = appendRequest([
          { streamId, expected: ExpectedVersion.exact(3), events: [newEvent("D", {}, 7)] }
        ])
        const results = [yield* append(userRequest), yield* append(adminRequest), yield* append(systemRequest)]
        const endedAt = yield* Clock.currentTimeMillis

        const expected = [
          { request: userRequest, schemaVersion: 3 },
          { request: userRequest, schemaVersion: 1 },
          { request: adminRequest, schemaVersion: 2 },
          { request: systemRequest, schemaVersion: 7 }
        ].map(({ request, schemaVersion }) => ({
          actor: request.actor,
          commandId: request.commandId,
          correlationId: request.correlationId,
          causationId: request.causationId,
          schemaVersion
        }))
        const reads = {
          appended: results.flatMap((result) => result.events),
          readStream: yield* readStream(streamId),
          readAll: yield* readAllOf(before, [streamId])
        }
        for (const [how, events] of Object.entries(reads)) {
          assert.deepStrictEqual(
            events.map(({ metadata: { recordedAt: _, ...rest } }) => rest),
            expected,
            `metadata read by ${how}`
          )
          for (const event of events) {
            // A database clock may differ a little from this process's clock.
            const recordedAt = DateTime.toEpochMillis(event.metadata.recordedAt)
            assert.isTrue(
              recordedAt >= startedAt - 5_000 && recordedAt <= endedAt + 5_000,
              `recordedAt ${recordedAt} read by ${how} is not around ${startedAt}..${endedAt}`
            )
          }
        }
      })
    )

    contract("data round-trips: nested JSON payloads come back equal", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Data")
        const payloads: ReadonlyArray<unknown> = [
          {
            text: "ünïcødé — 🚀 \"quoted\" 'single' \\ back\nslash",
            integer: -42,
            fraction: 0.125,
            large: 1.5e300,
            flags: [true, false, null],
            nested: { list: [1, "two", { three: [3, { four: {} }] }], empty: [] }
          },
          [1, 2, 3],
          "a string",
          12,
          null
        ]
        const before = yield* head
        const result = yield* appendTo(
          streamId,
          ExpectedVersion.noStream,
          payloads.map((data, i) => newEvent(`Payload${i}`, data))
        )
        assert.deepStrictEqual(
          result.events.map((event) => event.data),
          payloads
        )
        assert.deepStrictEqual(
          (yield* readStream(streamId)).map((event) => event.data),
          payloads
        )
        assert.deepStrictEqual(
          (yield* readAllOf(before, [streamId])).map((event) => event.data),
          payloads
        )
        assert.deepStrictEqual(
          types(yield* readStream(streamId)),
          payloads.map((_, i) => `Payload${i}`)
        )
      })
    )

    contract("data that is not JSON is refused with InvalidStoreData and nothing is written", () =>
      Effect.gen(function* () {
        const a = freshStreamId("JsonA")
        const b = freshStreamId("JsonB")
        yield* expectInvalid(
          append(
            appendRequest([
              { streamId: a, expected: ExpectedVersion.noStream, events: [newEvent("Fine", { ok: true })] },
              { streamId: b, expected: ExpectedVersion.noStream, events: [newEvent("Bad", { amount: 10n })] }
            ])
          ),
          b
        )
        assert.deepStrictEqual(yield* readStream(a), [])
        assert.deepStrictEqual(yield* readStream(b), [])
      })
    )

    contract("a payload holding U+0000 is refused (PostgreSQL cannot store it); the text `\\u0000` is kept", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Nul")
        yield* expectInvalid(
          appendTo(streamId, ExpectedVersion.noStream, [newEvent("Nul", { text: "before\u0000after" })]),
          streamId
        )
        assert.deepStrictEqual(yield* readStream(streamId), [])
        const literal = { text: "a backslash and u0000: \\u0000", escaped: "\\\\u0000" }
        yield* appendTo(streamId, ExpectedVersion.noStream, [newEvent("Literal", literal)])
        assert.deepStrictEqual(
          (yield* readStream(streamId)).map((event) => event.data),
          [literal]
        )
      })
    )

    contract("readAll: global order, after a checkpoint, the same in small and large batches", () =>
      Effect.gen(function* () {
        const streams = [freshStreamId("LogA"), freshStreamId("LogB"), freshStreamId("LogC")]
        const before = yield* head
        const appended: Array<RecordedEvent> = []
        for (let round = 0; round < 4; round++) {
          for (const [i, streamId] of streams.entries()) {
            const count = 1 + ((round + i) % 3)
            const result = yield* appendTo(
              streamId,
              ExpectedVersion.any,
              Array.from({ length: count }, (_, k) => newEvent(`R${round}S${i}E${k}`, { round, i, k }))
            )
            appended.push(...result.events)
          }
        }
        const expected = appended.map(describeEvent)

        const all = yield* readAll(before)
        assertStrictlyIncreasing(all)
        assert.isTrue(all.every((event) => Checkpoint.compare(checkpointOf(event), before) > 0))
        assert.deepStrictEqual(all.filter((event) => streams.includes(event.streamId)).map(describeEvent), expected)
        for (const batchSize of [1, 2, 3, 7, 500]) {
          const batched = yield* readAllOf(before, streams, batchSize)
          assert.deepStrictEqual(batched.map(describeEvent), expected, `batchSize ${batchSize}`)
        }
        // Exactly one batch's worth, then the head: the reader must not stop early or repeat.
        const exact = yield* readAllOf(before, streams, appended.length)
        assert.deepStrictEqual(exact.map(describeEvent), expected)

        const middle = checkpointOf(appended[9]!)
        for (const batchSize of [3, 500]) {
          assert.deepStrictEqual(
            (yield* readAllOf(middle, streams, batchSize)).map(describeEvent),
            expected.slice(10),
            `after the 10th event, batchSize ${batchSize}`
          )
        }
        assert.deepStrictEqual(yield* readAllOf(checkpointOf(appended[appended.length - 1]!), streams), [])
      })
    )

    contract("head: moves past every append and is the checkpoint of an event in the log", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Head")
        const before = yield* head
        const result = yield* appendTo(streamId, ExpectedVersion.noStream, [newEvent("A"), newEvent("B")])
        const after = yield* head
        const last = checkpointOf(result.events[1]!)
        assert.isTrue(Checkpoint.compare(after, before) > 0)
        assert.isTrue(Checkpoint.compare(after, last) >= 0)
        const log = yield* readAll(before)
        assert.isTrue(
          log.some((event) => Checkpoint.compare(checkpointOf(event), after) === 0),
          `head ${Checkpoint.format(after)} is not an event read after ${Checkpoint.format(before)}`
        )
      })
    )

    contract("concurrent appenders: contiguous versions, unique positions, every event read exactly once", () =>
      Effect.gen(function* () {
        const writers = 8
        const appendsPerWriter = 25
        const shared = freshStreamId("Shared")
        const own = Array.from({ length: writers }, (_, w) => freshStreamId(`Writer${w}`))
        const streams: ReadonlyArray<string> = [shared, ...own]
        const total = writers * appendsPerWriter * 2
        const before = yield* head

        // A reader follows the log while the writers run: it must neither skip nor repeat an event.
        const reader = yield* Effect.iterate(
          { from: before, seen: [] as ReadonlyArray<RecordedEvent> },
          {
            while: ({ seen }) => seen.filter((event) => streams.includes(event.streamId)).length < total,
            body: ({ from, seen }) =>
              Effect.gen(function* () {
                const page = yield* readAll(from, 7)
                if (page.length === 0) yield* Effect.sleep("1 millis")
                return {
                  from: page.length === 0 ? from : checkpointOf(page[page.length - 1]!),
                  seen: [...seen, ...page]
                }
              })
          }
        ).pipe(Effect.timeoutOption("30 seconds"), Effect.fork)

        // Appends to the shared stream at its exact version, retrying after losing a race.
        const appendShared = (writer: number, n: number): Effect.Effect<AppendResult, AppendError, EventStore> =>
          Effect.gen(function* () {
            const version = (yield* readStream(shared)).length
            yield* Effect.yieldNow()
            return yield* appendTo(shared, ExpectedVersion.exact(version), [newEvent(`Shared${writer}.${n}`)])
          }).pipe(Effect.catchTag("WrongExpectedVersion", () => appendShared(writer, n)))

        const results = yield* Effect.all(
          own.map((streamId, w) =>
            Effect.forEach(range(1, appendsPerWriter), (n) =>
              Effect.zip(
                appendTo(streamId, ExpectedVersion.exact(n - 1), [newEvent(`Own${w}.${n}`)]),
                appendShared(w, n)
              )
            )
          ),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((perWriter) => perWriter.flat(2)))

        const written = results.flatMap((result) => result.events)
        assert.strictEqual(written.length, total)
        assert.strictEqual(new Set(written.map((event) => event.position)).size, total, "positions are unique")
        assert.strictEqual(
          new Set(written.map((event) => Checkpoint.format(checkpointOf(event)))).size,
          total,
          "checkpoints are unique"
        )
        for (const streamId of own) {
          assert.deepStrictEqual(versionsOf(yield* readStream(streamId)), range(1, appendsPerWriter))
        }
        const sharedEvents = yield* readStream(shared)
        assert.deepStrictEqual(versionsOf(sharedEvents), range(1, writers * appendsPerWriter))
        assert.strictEqual(new Set(types(sharedEvents)).size, writers * appendsPerWriter)

        const byId = (events: ReadonlyArray<RecordedEvent>) =>
          events.map((event) => event.eventId).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        const log = yield* readAll(before, 13)
        assertStrictlyIncreasing(log)
        const mine = log.filter((event) => streams.includes(event.streamId))
        assert.deepStrictEqual(byId(mine), byId(written), "readAll sees every event exactly once")
        // Within a stream, the global order follows the versions.
        for (const streamId of streams) {
          const versions = versionsOf(mine.filter((event) => event.streamId === streamId))
          assert.deepStrictEqual(versions, range(1, versions.length))
        }

        const followed = yield* Fiber.join(reader)
        assert.isTrue(Option.isSome(followed), "the concurrent reader did not see every event in time")
        const seen = Option.getOrThrow(followed).seen
        assertStrictlyIncreasing(seen)
        assert.deepStrictEqual(
          byId(seen.filter((event) => streams.includes(event.streamId))),
          byId(written),
          "the concurrent reader saw every event exactly once"
        )
      })
    )

    contract("subscribe: catches up, then delivers later appends, without gaps or duplicates", () =>
      Effect.gen(function* () {
        const store = yield* EventStore
        const streamId = freshStreamId("Subscribe")
        const before = yield* head
        for (let v = 1; v <= 5; v++) yield* appendTo(streamId, ExpectedVersion.exact(v - 1), [newEvent(`E${v}`)])

        const total = 12
        const subscription = yield* store.subscribe({ from: before, batchSize: 2 }).pipe(
          Stream.filter((event) => event.streamId === streamId),
          Stream.take(total),
          Stream.runCollect,
          Effect.timeoutOption("10 seconds"),
          Effect.fork
        )
        // Some appends race the catch-up, the others come after it, with pauses between them.
        for (let v = 6; v <= 8; v++) yield* appendTo(streamId, ExpectedVersion.exact(v - 1), [newEvent(`E${v}`)])
        for (let v = 9; v <= total; v++) {
          yield* Effect.sleep("20 millis")
          yield* appendTo(streamId, ExpectedVersion.exact(v - 1), [newEvent(`E${v}`)])
        }
        const received = yield* Fiber.join(subscription)
        assert.isTrue(Option.isSome(received), "the subscription did not deliver every event in time")
        const events = Chunk.toReadonlyArray(Option.getOrThrow(received))
        assert.deepStrictEqual(versionsOf(events), range(1, total))
        assertStrictlyIncreasing(events)
      })
    )

    contract("subscribe: from the head it delivers only new events, also from concurrent writers", () =>
      Effect.gen(function* () {
        const store = yield* EventStore
        const writers = 4
        const appendsPerWriter = 10
        const streams = Array.from({ length: writers }, (_, w) => freshStreamId(`Follow${w}`))
        yield* appendTo(streams[0]!, ExpectedVersion.noStream, [newEvent("Old")])
        const from = yield* head
        const subscription = yield* store.subscribe({ from, batchSize: 3 }).pipe(
          Stream.filter((event) => streams.includes(event.streamId)),
          Stream.take(writers * appendsPerWriter),
          Stream.runCollect,
          Effect.timeoutOption("10 seconds"),
          Effect.fork
        )
        const results = yield* Effect.all(
          streams.map((streamId) =>
            Effect.forEach(range(1, appendsPerWriter), () =>
              appendTo(streamId, ExpectedVersion.any, [newEvent("New")]).pipe(Effect.zipLeft(Effect.yieldNow()))
            )
          ),
          { concurrency: "unbounded" }
        )
        const received = yield* Fiber.join(subscription)
        assert.isTrue(Option.isSome(received), "the subscription did not deliver every event in time")
        const events = Chunk.toReadonlyArray(Option.getOrThrow(received))
        assert.deepStrictEqual(types(events), Array(writers * appendsPerWriter).fill("New"))
        assertStrictlyIncreasing(events)
        const written = results.flat().flatMap((result) => result.events.map((event) => event.eventId))
        assert.deepStrictEqual(new Set(events.map((event) => event.eventId)), new Set(written))
      })
    )

    contract("invalid stream ids (empty, over 200 characters) are refused with InvalidStoreData", () =>
      Effect.gen(function* () {
        const store = yield* EventStore
        const valid = freshStreamId("Valid")
        const longest = `contractLongest-${randomUUID()}-`.padEnd(200, "x")
        for (const bad of ["", "y".repeat(201)]) {
          const streamId = bad as StreamId.StreamId
          const request = appendRequest([
            { streamId: valid, expected: ExpectedVersion.any, events: [newEvent("A")] },
            { streamId, expected: ExpectedVersion.any, events: [newEvent("A")] }
          ])
          yield* expectInvalid(append(request), bad)
          yield* expectInvalid(appendTo(streamId, ExpectedVersion.any, []), bad)
          yield* expectInvalid(store.readStream(streamId), bad)
          assert.isTrue(Option.isNone(yield* store.lookupCommand(request.commandId)))
        }
        assert.deepStrictEqual(yield* readStream(valid), [])
        assert.strictEqual(longest.length, 200)
        const result = yield* appendTo(longest as StreamId.StreamId, ExpectedVersion.noStream, [newEvent("A")])
        assert.strictEqual(result.events[0]!.streamId, longest)
      })
    )

    contract("a stream named twice in one append is refused with InvalidStoreData", () =>
      Effect.gen(function* () {
        const streamId = freshStreamId("Twice")
        yield* expectInvalid(
          append(
            appendRequest([
              { streamId, expected: ExpectedVersion.noStream, events: [newEvent("A")] },
              { streamId, expected: ExpectedVersion.exact(1), events: [newEvent("B")] }
            ])
          ),
          streamId
        )
        assert.deepStrictEqual(yield* readStream(streamId), [])
      })
    )
  })
}
