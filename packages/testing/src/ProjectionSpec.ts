/**
 * Given / when / then specifications for projections: given a projection, when these events happen
 * (stream by stream, in order), then these documents. Every spec also checks that each document
 * survives its schema's round trip through JSON, as it must to be stored on SQL.
 *
 * ```ts
 * ProjectionSpec.given(RequestsByArea)
 *   .when(Stint.engagementStream(id), [requested, agreed])
 *   .thenDocuments({ [id]: { area: "typescript", agreed: true } })
 * ```
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import { type DomainEvent, DomainEvent as DomainEventSchema, type Envelope } from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import type { StreamId } from "@stint/core/StreamId"
import { assert } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/** Who appended an event, and when (defaults: the system, at a fixed instant plus the position). */
export interface EventOptions {
  readonly actor?: Actor.Actor
  readonly recordedAt?: DateTime.Utc
}

const epoch = DateTime.unsafeMake("2026-01-05T09:00:00Z")
const encodeEvent = Schema.encodeSync(DomainEventSchema)

/**
 * Envelopes for events in streams, as a store would record them: versions per stream from 1,
 * positions in the order given, one commit per event.
 */
export const envelopes = (
  history: ReadonlyArray<readonly [StreamId, DomainEvent, EventOptions?]>
): ReadonlyArray<Envelope> => {
  const versions = new Map<string, number>()
  return history.map(([streamId, event, options], i) => {
    const version = (versions.get(streamId) ?? 0) + 1
    versions.set(streamId, version)
    const commandId = Ids.CommandId.make(randomUUID())
    const record: RecordedEvent = {
      eventId: randomUUID(),
      streamId,
      version,
      position: BigInt(i + 1),
      commit: BigInt(i + 1),
      type: event._tag,
      data: encodeEvent(event),
      metadata: {
        actor: options?.actor ?? Actor.system,
        commandId,
        correlationId: commandId,
        causationId: commandId,
        schemaVersion: 1,
        recordedAt: options?.recordedAt ?? DateTime.add(epoch, { seconds: i })
      }
    }
    return { event, record }
  })
}

/** Starts a spec for a projection. */
export const given = <D, I>(projection: Projection.Projection<D, I>) => {
  const history: Array<readonly [StreamId, DomainEvent, EventOptions?]> = []
  const run = () => Projection.applyAll(projection, new Map(), envelopes(history))
  const roundTrip = (documents: ReadonlyMap<string, D>) => {
    const encode = Schema.encodeEither(projection.document)
    const decode = Schema.decodeUnknownEither(projection.document)
    for (const [id, document] of documents) {
      const failure = `document ${id} does not survive its schema through JSON`
      const encoded = encode(document)
      assert.isTrue(Either.isRight(encoded), `${failure}: ${Either.isLeft(encoded) ? encoded.left.message : ""}`)
      const decoded = decode(JSON.parse(JSON.stringify(Either.getOrThrow(encoded))))
      assert.isTrue(Either.isRight(decoded), `${failure}: ${Either.isLeft(decoded) ? decoded.left.message : ""}`)
      assert.deepStrictEqual(Either.getOrThrow(decoded), document, failure)
    }
  }

  const spec = {
    /** Events of one stream, appended after everything given so far. */
    when: (streamId: StreamId, events: ReadonlyArray<DomainEvent>, options?: EventOptions) => {
      for (const event of events) history.push(options === undefined ? [streamId, event] : [streamId, event, options])
      return spec
    },
    /** The documents after every event given: exactly these ids, with these contents. */
    thenDocuments: (expected: Readonly<Record<string, D>>) => {
      const documents = run()
      roundTrip(documents)
      assert.deepStrictEqual(Object.fromEntries(documents), expected)
      return spec
    },
    /** One document after every event given (others may exist). */
    thenDocument: (id: string, expected: D | undefined) => {
      const documents = run()
      roundTrip(documents)
      assert.deepStrictEqual(documents.get(id), expected)
      return spec
    },
    /**
     * Applying every event again, after they were all applied once, changes nothing: for projections
     * that must tolerate a redelivered event.
     */
    thenIdempotent: () => {
      const all = envelopes(history)
      const once = Projection.applyAll(projection, new Map(), all)
      const twice = Projection.applyAll(projection, once, all)
      assert.deepStrictEqual(Object.fromEntries(twice), Object.fromEntries(once), "a second delivery changed documents")
      return spec
    }
  }
  return spec
}
