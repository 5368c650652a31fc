/**
 * An event as the store keeps it: the encoded payload plus its envelope. Stores never look inside
 * `data`; decoding (and upcasting old schema versions) happens above them.
 */
import type * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { Actor } from "./Actor.js"
import { CommandId } from "./Identity.js"
import type { StreamId } from "./StreamId.js"

/** What travels with every event. */
export const EventMetadata = Schema.Struct({
  actor: Actor,
  commandId: CommandId,
  correlationId: Schema.String,
  causationId: Schema.String,
  schemaVersion: Schema.Int,
  recordedAt: Schema.DateTimeUtc
})
export type EventMetadata = typeof EventMetadata.Type

/** The metadata an event is recorded with: who and which command appended it, and when. */
export const metadataOf = (
  append: {
    readonly actor: Actor
    readonly commandId: CommandId
    readonly correlationId: string
    readonly causationId: string
  },
  schemaVersion: number,
  recordedAt: DateTime.Utc
): EventMetadata => ({
  actor: append.actor,
  commandId: append.commandId,
  correlationId: append.correlationId,
  causationId: append.causationId,
  schemaVersion,
  recordedAt
})

/** An event to append: its type, encoded payload and schema version. */
export interface NewEvent {
  readonly eventId: string
  readonly type: string
  readonly data: unknown
  readonly schemaVersion: number
}

/** An event read back from the store. */
export interface RecordedEvent {
  readonly eventId: string
  readonly streamId: StreamId
  /** 1-based position inside its stream. */
  readonly version: number
  /** Global sequence number: unique, increasing within a commit. */
  readonly position: bigint
  /** The commit the event belongs to; the global order is `(commit, position)`. */
  readonly commit: bigint
  readonly type: string
  readonly data: unknown
  readonly metadata: EventMetadata
}
