/** Reading old and broken events: upcasters turn old payloads into current ones; bad rows are typed errors. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, EventCodec, Ids, StreamId } from "@stint/core"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import { DateTime, Either } from "effect"

const record = (data: unknown, schemaVersion: number): RecordedEvent => ({
  eventId: crypto.randomUUID(),
  streamId: StreamId.make("engagement", "e1"),
  version: 4,
  position: 10n,
  commit: 7n,
  type: "FeedbackGiven",
  data,
  metadata: {
    actor: Actor.user(Ids.UserId.make("ben")),
    commandId: Ids.CommandId.make("c1"),
    correlationId: "c1",
    causationId: "c1",
    schemaVersion,
    recordedAt: DateTime.unsafeMake(0)
  }
})

// A version-0 payload called the rating "stars".
const v0 = { _tag: "FeedbackGiven", givenBy: "mentee", stars: 4, givenAt: "2026-01-01T00:00:00.000Z" }
const renameStars: EventCodec.Upcaster = {
  type: "FeedbackGiven",
  fromVersion: 0,
  upcast: (data) => {
    const { stars, ...rest } = data as { stars: number }
    return { ...rest, rating: stars }
  }
}

describe("EventCodec", () => {
  it("upcasts an old payload on read, without rewriting it", () => {
    const stored = record(v0, 0)
    const decoded = EventCodec.makeDecoder([renameStars]).decode("engagement", stored)
    assert.isTrue(Either.isRight(decoded))
    if (Either.isRight(decoded)) assert.strictEqual((decoded.right as { rating: number }).rating, 4)
    assert.deepStrictEqual(stored.data, v0)
  })

  it("without the upcaster, the old payload is a typed error naming the stream and version", () => {
    const decoded = EventCodec.makeDecoder().decode("engagement", record(v0, 0))
    assert.isTrue(Either.isLeft(decoded))
    if (Either.isLeft(decoded)) {
      assert.strictEqual(decoded.left._tag, "InvalidStoreData")
      assert.strictEqual(decoded.left.streamId, "engagement-e1")
      assert.strictEqual(decoded.left.version, 4)
    }
  })

  it("a corrupted row or a newer schema version is refused, never skipped", () => {
    const codec = EventCodec.makeDecoder()
    assert.isTrue(Either.isLeft(codec.decodeRecord(record("not an object", 1))))
    const current = { ...v0, rating: 4 }
    assert.isTrue(Either.isRight(codec.decodeRecord(record(current, 1))))
    assert.isTrue(Either.isLeft(codec.decodeRecord(record(current, 2))))
  })
})
