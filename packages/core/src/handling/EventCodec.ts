/**
 * Turns domain events into stored events and back. The store keeps the encoded payload with a
 * schema version; reading runs the registered upcasters from that version to the current one, then
 * decodes, so stored events are never rewritten.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { EngagementEvent } from "../engagement/EngagementEvent.js"
import { MenteeEvent } from "../mentee/MenteeEvent.js"
import { MentorEvent } from "../mentor/MentorEvent.js"
import type { NewEvent, RecordedEvent } from "../store/RecordedEvent.js"
import { InvalidStoreData } from "../store/StoreError.js"
import * as StreamId from "../store/StreamId.js"

/** Any event of the domain. */
export const DomainEvent = Schema.Union(EngagementEvent, MentorEvent, MenteeEvent)
export type DomainEvent = typeof DomainEvent.Type

/** The schema version new events are written with. */
export const currentSchemaVersion = 1

/** Turns the payload of `type` at `fromVersion` into the payload at `fromVersion + 1`. */
export interface Upcaster {
  readonly type: string
  readonly fromVersion: number
  readonly upcast: (data: unknown) => unknown
}

/** A domain event, decoded, with its place in the store. */
export interface Envelope<E = DomainEvent> {
  readonly event: E
  readonly record: RecordedEvent
}

const streams = {
  engagement: EngagementEvent,
  mentor: MentorEvent,
  mentee: MenteeEvent
} as const

export type Category = keyof typeof streams

export const engagementStream = (id: string) => StreamId.make("engagement", id)
export const mentorStream = (id: string) => StreamId.make("mentor", id)
export const menteeStream = (id: string) => StreamId.make("mentee", id)

const encoders = {
  engagement: Schema.encodeSync(EngagementEvent),
  mentor: Schema.encodeSync(MentorEvent),
  mentee: Schema.encodeSync(MenteeEvent)
}
const decoders = {
  engagement: Schema.decodeUnknownEither(EngagementEvent),
  mentor: Schema.decodeUnknownEither(MentorEvent),
  mentee: Schema.decodeUnknownEither(MenteeEvent)
}
const decodeAny = Schema.decodeUnknownEither(DomainEvent)

/** Encodes events of one category for appending. */
export const encode = <C extends Category>(
  category: C,
  events: ReadonlyArray<(typeof streams)[C]["Type"]>,
  newId: () => string
): ReadonlyArray<NewEvent> =>
  events.map((event) => ({
    eventId: newId(),
    type: event._tag,
    data: (encoders[category] as (e: unknown) => unknown)(event),
    schemaVersion: currentSchemaVersion
  }))

/** A decoder for stored events that applies the given upcasters first. */
export const makeDecoder = (upcasters: ReadonlyArray<Upcaster> = []) => {
  const byKey = new Map(upcasters.map((u) => [`${u.type}@${u.fromVersion}`, u.upcast]))
  const upcast = (record: RecordedEvent): unknown => {
    let data = record.data
    for (let v = record.metadata.schemaVersion; v < currentSchemaVersion; v++) {
      const step = byKey.get(`${record.type}@${v}`)
      if (step) data = step(data)
    }
    return data
  }
  const fail = (record: RecordedEvent, reason: string) =>
    new InvalidStoreData({ streamId: record.streamId, version: record.version, reason })
  /** Decodes one stored event of the category its stream id names. */
  const decode = <C extends Category>(
    category: C,
    record: RecordedEvent
  ): Either.Either<(typeof streams)[C]["Type"], InvalidStoreData> => {
    if (record.metadata.schemaVersion > currentSchemaVersion)
      return Either.left(fail(record, `schema version ${record.metadata.schemaVersion} is newer than this code`))
    const decoded = (decoders[category] as (u: unknown) => Either.Either<unknown, ParseResult.ParseError>)(
      upcast(record)
    )
    return Either.mapBoth(decoded, {
      onLeft: (e) => fail(record, ParseResult.TreeFormatter.formatErrorSync(e)),
      onRight: (event) => event as (typeof streams)[C]["Type"]
    })
  }
  /** Decodes an event of any category (the global log). */
  const decodeRecord = (record: RecordedEvent): Either.Either<Envelope, InvalidStoreData> =>
    record.metadata.schemaVersion > currentSchemaVersion
      ? Either.left(fail(record, `schema version ${record.metadata.schemaVersion} is newer than this code`))
      : Either.mapBoth(decodeAny(upcast(record)), {
          onLeft: (e) => fail(record, ParseResult.TreeFormatter.formatErrorSync(e)),
          onRight: (event) => ({ event, record })
        })
  return { decode, decodeRecord }
}
