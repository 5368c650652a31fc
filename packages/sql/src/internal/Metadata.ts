/**
 * The stored form of an event's metadata, both ways: the JSON object written in the `metadata`
 * column, and its reading back into `EventMetadata`. The command id has a column of its own.
 *
 * An append's events share everything but their schema version: `shared` is written once per append,
 * and each event's object is it plus `schemaVersion` (`forEvent` on SQLite; on PostgreSQL the append
 * function does the same merge, `meta || jsonb_build_object('schemaVersion', …)`, see `PgAppend.ts`).
 */
import type { Actor } from "@stint/core/Actor"
import type { CommandId } from "@stint/core/Ids"
import type { AppendRequest } from "@stint/core/EventStore"
import type { EventMetadata } from "@stint/core/RecordedEvent"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"

/** The metadata stored with each event. */
export interface Stored {
  readonly actor: unknown
  readonly correlationId: string
  readonly causationId: string
  readonly schemaVersion: number
  readonly recordedAt: string
}

/** What an append's events share, as JSON text (an object without `schemaVersion`). */
export const shared = (request: AppendRequest, recordedAt: DateTime.Utc): string =>
  JSON.stringify({
    actor: request.actor,
    correlationId: request.correlationId,
    causationId: request.causationId,
    recordedAt: DateTime.formatIso(recordedAt)
  })

/** One event's stored metadata as JSON text: the append's `shared` object with its schema version. */
export const forEvent = (sharedJson: string, schemaVersion: number): string =>
  `${sharedJson.slice(0, -1)},"schemaVersion":${schemaVersion}}`

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

/**
 * Reads stored metadata (already parsed from JSON) and the row's command id back; on failure, the
 * reason, for the caller to report with the stream and version.
 */
export const decode = (value: unknown, commandId: string): Either.Either<EventMetadata, string> => {
  if (typeof value !== "object" || value === null) return Either.left("the stored metadata is not an object")
  const m = value as Partial<Stored>
  if (!isActor(m.actor)) return Either.left("the stored metadata has no valid actor")
  if (typeof m.correlationId !== "string" || typeof m.causationId !== "string") {
    return Either.left("the stored metadata has no correlation or causation id")
  }
  if (typeof m.schemaVersion !== "number" || !Number.isInteger(m.schemaVersion)) {
    return Either.left("the stored metadata has no integer schema version")
  }
  const recordedAt = typeof m.recordedAt === "string" ? instant(m.recordedAt) : undefined
  if (recordedAt === undefined) return Either.left("the stored metadata has no valid recordedAt")
  return Either.right({
    actor: m.actor,
    commandId: commandId as CommandId,
    correlationId: m.correlationId,
    causationId: m.causationId,
    schemaVersion: m.schemaVersion,
    recordedAt
  })
}
