/**
 * An event row as the database returns it, and its decoding into a `RecordedEvent`. A row that does
 * not decode (a corrupted payload, metadata of the wrong shape) is an `InvalidStoreData` naming the
 * stream and version — never a crash and never a silently skipped event.
 */
import type { Actor } from "@stint/core/domain/Actor"
import type { CommandId } from "@stint/core/domain/Ids"
import type { EventMetadata, RecordedEvent } from "@stint/core/store/RecordedEvent"
import { InvalidStoreData } from "@stint/core/store/StoreError"
import type { StreamId } from "@stint/core/store/StreamId"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"

/** The columns every event query selects (`commit_id` as text on PostgreSQL, where it is `xid8`). */
export interface EventRow {
  readonly position: number | string | bigint
  readonly commit_id: number | string | bigint
  readonly stream_id: string
  readonly version: number
  readonly event_id: string
  readonly type: string
  /** JSON text on SQLite, already parsed on PostgreSQL (jsonb). */
  readonly data: unknown
  readonly metadata: unknown
  readonly command_id: string
}

/** The metadata stored with each event; the command id has its own column. */
export interface StoredMetadata {
  readonly actor: unknown
  readonly correlationId: string
  readonly causationId: string
  readonly schemaVersion: number
  readonly recordedAt: string
}

/**
 * The actor's shape, checked by hand: a schema check per event is the largest part of a scan's cost,
 * and the actor was fully checked when it was appended; this catches a row damaged since.
 */
const isActor = (value: unknown): value is Actor => {
  if (typeof value !== "object" || value === null) return false
  const actor = value as { readonly _tag?: unknown; readonly userId?: unknown }
  if (actor._tag === "System") return true
  return (actor._tag === "User" || actor._tag === "Admin") && typeof actor.userId === "string" && actor.userId !== ""
}

// Events of one append share their recordedAt: a scan parses each instant once, not once per event.
let lastInstant = ""
let lastDateTime: DateTime.Utc | undefined
const instant = (iso: string): DateTime.Utc | undefined => {
  if (iso === lastInstant && lastDateTime !== undefined) return lastDateTime
  const millis = Date.parse(iso)
  if (Number.isNaN(millis)) return undefined
  lastInstant = iso
  lastDateTime = DateTime.unsafeMake(millis)
  return lastDateTime
}

const invalid = (row: EventRow, reason: string): Either.Either<never, InvalidStoreData> =>
  Either.left(new InvalidStoreData({ streamId: String(row.stream_id), version: Number(row.version), reason }))

const parseJson = (
  value: unknown,
  what: string,
  row: EventRow,
  text: boolean
): Either.Either<unknown, InvalidStoreData> => {
  if (!text) return Either.right(value)
  if (typeof value !== "string") return invalid(row, `the stored ${what} is not JSON text`)
  try {
    return Either.right(JSON.parse(value))
  } catch {
    return invalid(row, `the stored ${what} is not JSON`)
  }
}

const decodeMetadata = (value: unknown, row: EventRow): Either.Either<EventMetadata, InvalidStoreData> => {
  if (typeof value !== "object" || value === null) return invalid(row, "the stored metadata is not an object")
  const m = value as Partial<StoredMetadata>
  if (!isActor(m.actor)) return invalid(row, "the stored metadata has no valid actor")
  if (typeof m.correlationId !== "string" || typeof m.causationId !== "string") {
    return invalid(row, "the stored metadata has no correlation or causation id")
  }
  if (typeof m.schemaVersion !== "number" || !Number.isInteger(m.schemaVersion)) {
    return invalid(row, "the stored metadata has no integer schema version")
  }
  const recordedAt = typeof m.recordedAt === "string" ? instant(m.recordedAt) : undefined
  if (recordedAt === undefined) return invalid(row, "the stored metadata has no valid recordedAt")
  return Either.right({
    actor: m.actor,
    commandId: row.command_id as CommandId,
    correlationId: m.correlationId,
    causationId: m.causationId,
    schemaVersion: m.schemaVersion,
    recordedAt
  })
}

/**
 * Decodes one row. `jsonText`: the driver returns JSON columns as text to parse (SQLite), not as
 * values it parsed already (PostgreSQL's jsonb).
 */
export const decode = (row: EventRow, jsonText: boolean): Either.Either<RecordedEvent, InvalidStoreData> => {
  if (typeof row.stream_id !== "string" || !Number.isInteger(Number(row.version))) {
    return Either.left(
      new InvalidStoreData({ streamId: String(row.stream_id), reason: `corrupt event row at position ${row.position}` })
    )
  }
  const data = parseJson(row.data, "data", row, jsonText)
  if (Either.isLeft(data)) return Either.left(data.left)
  const metadataJson = parseJson(row.metadata, "metadata", row, jsonText)
  if (Either.isLeft(metadataJson)) return Either.left(metadataJson.left)
  const metadata = decodeMetadata(metadataJson.right, row)
  if (Either.isLeft(metadata)) return Either.left(metadata.left)
  if (typeof row.type !== "string" || row.type === "" || typeof row.event_id !== "string") {
    return invalid(row, "the stored event has no type or id")
  }
  return Either.right({
    eventId: row.event_id,
    streamId: row.stream_id as StreamId,
    version: Number(row.version),
    position: BigInt(row.position),
    commit: BigInt(row.commit_id),
    type: row.type,
    data: data.right,
    metadata: metadata.right
  })
}

/** Decodes rows in order, failing at the first that does not decode. */
export const decodeAll = (
  rows: ReadonlyArray<EventRow>,
  jsonText: boolean
): Either.Either<Array<RecordedEvent>, InvalidStoreData> => {
  const events: Array<RecordedEvent> = []
  for (const row of rows) {
    const event = decode(row, jsonText)
    if (Either.isLeft(event)) return Either.left(event.left)
    events.push(event.right)
  }
  return Either.right(events)
}
