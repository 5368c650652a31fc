/**
 * Identifiers. Every id is a branded string so an engagement id can never be passed where a user id
 * is expected; hosts keep their own user ids, engagements use UUIDs.
 */
import * as Schema from "effect/Schema"

/** A user of the host application (mentor, mentee or admin), as the host identifies them. */
export const UserId = Schema.Trimmed.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(/^[\w.@:+-]+$/, { message: () => "user ids are letters, digits and . @ : + - _ only" }),
  Schema.brand("UserId")
)
export type UserId = typeof UserId.Type

/** One engagement: a stream of its own. */
export const EngagementId = Schema.UUID.pipe(Schema.brand("EngagementId"))
export type EngagementId = typeof EngagementId.Type

/** A session inside an engagement, chosen by whoever records it. */
export const SessionId = Schema.UUID.pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type

/** A note inside an engagement. */
export const NoteId = Schema.UUID.pipe(Schema.brand("NoteId"))
export type NoteId = typeof NoteId.Type

/**
 * The id of a command. Sent again, the same command appends nothing and returns its first result
 * (an HTTP `Idempotency-Key` maps onto it).
 */
export const CommandId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200), Schema.brand("CommandId"))
export type CommandId = typeof CommandId.Type

/** An area of expertise ("customer conversations", "typescript"), compared case-sensitively. */
export const Area = Schema.Trimmed.pipe(Schema.minLength(1), Schema.maxLength(80), Schema.brand("Area"))
export type Area = typeof Area.Type
