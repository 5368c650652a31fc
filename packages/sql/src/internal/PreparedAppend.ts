/**
 * An append made ready for either database's write: payloads checked and turned into JSON text once,
 * the metadata its events share; what a write returns, and the events it recorded.
 */
import type { AppendRequest } from "@stint/core/EventStore"
import type * as ExpectedVersion from "@stint/core/ExpectedVersion"
import { metadataOf, type RecordedEvent } from "@stint/core/RecordedEvent"
import { InvalidStoreData } from "@stint/core/StoreError"
import * as StoreInput from "@stint/core/StoreInput"
import type * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Metadata from "./Metadata.js"

/** A payload already checked and turned into JSON text. */
export interface PreparedEvent {
  readonly eventId: string
  readonly type: string
  readonly data: string
  readonly schemaVersion: number
}

/** One stream of the append, its payloads prepared. */
export interface PreparedStream {
  readonly streamId: string
  readonly expected: ExpectedVersion.ExpectedVersion
  readonly events: ReadonlyArray<PreparedEvent>
}

/** The append as the writes take it. */
export interface PreparedAppend {
  readonly request: AppendRequest
  readonly streams: ReadonlyArray<PreparedStream>
  /** The metadata the events share, as JSON text (see `Metadata.shared`). */
  readonly metadata: string
  readonly recordedAt: DateTime.Utc
}

/** What the database returns for an append that was not a duplicate. */
export interface Written {
  readonly commit: bigint
  /** Each stream's version after the append, in request order. */
  readonly versions: ReadonlyArray<readonly [string, number]>
  /** The positions of the events, in request order. */
  readonly positions: ReadonlyArray<bigint>
}

/** Prepares an append, refusing a payload no backend can store; names the stream. */
export const make = (
  request: AppendRequest,
  recordedAt: DateTime.Utc
): Either.Either<PreparedAppend, InvalidStoreData> => {
  const streams: Array<PreparedStream> = []
  for (const stream of request.streams) {
    const events: Array<PreparedEvent> = []
    for (const event of stream.events) {
      const data = StoreInput.encodeData(event.data)
      if (Either.isLeft(data)) {
        return Either.left(new InvalidStoreData({ streamId: stream.streamId, reason: data.left }))
      }
      events.push({ eventId: event.eventId, type: event.type, data: data.right, schemaVersion: event.schemaVersion })
    }
    streams.push({ streamId: stream.streamId, expected: stream.expected, events })
  }
  return Either.right({ request, streams, metadata: Metadata.shared(request, recordedAt), recordedAt })
}

/** The recorded events of a written append: what readers will read back. */
export const recorded = (append: PreparedAppend, written: Written): Array<RecordedEvent> => {
  const events: Array<RecordedEvent> = []
  for (const [i, stream] of append.request.streams.entries()) {
    const lastVersion = written.versions[i]![1]
    for (const [k, event] of stream.events.entries()) {
      events.push({
        eventId: event.eventId,
        streamId: stream.streamId,
        version: lastVersion - stream.events.length + k + 1,
        position: written.positions[events.length]!,
        commit: written.commit,
        type: event.type,
        data: JSON.parse(append.streams[i]!.events[k]!.data),
        metadata: metadataOf(append.request, event.schemaVersion, append.recordedAt)
      })
    }
  }
  return events
}
