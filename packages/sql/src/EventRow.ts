/**
 * An event row as the database returns it, and its decoding into a `RecordedEvent`. A row that does
 * not decode (a corrupted payload, metadata of the wrong shape) is an `InvalidStoreData` naming the
 * stream and version — never a crash and never a silently skipped event.
 */
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import { InvalidStoreData } from "@stint/core/StoreError"
import type { StreamId } from "@stint/core/StreamId"
import * as Either from "effect/Either"
import * as Metadata from "./internal/Metadata.js"

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
export type StoredMetadata = Metadata.Stored

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
  const metadata = Metadata.decode(metadataJson.right, row.command_id)
  if (Either.isLeft(metadata)) return invalid(row, metadata.left)
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
