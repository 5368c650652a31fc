/**
 * Identifiers. Every id is a branded string so an engagement id can never be passed where a user id
 * is expected; hosts keep their own user ids, engagements use UUIDs.
 */
import * as Schema from "effect/Schema"

// The log records the user and the command of every event, so the kernel owns those two ids.
export { CommandId, UserId } from "../store/Identity.js"

/** One engagement: a stream of its own. */
export const EngagementId = Schema.UUID.pipe(Schema.brand("EngagementId"))
export type EngagementId = typeof EngagementId.Type

/** A session inside an engagement, chosen by whoever records it. */
export const SessionId = Schema.UUID.pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type

/** A note inside an engagement. */
export const NoteId = Schema.UUID.pipe(Schema.brand("NoteId"))
export type NoteId = typeof NoteId.Type

/** An area of expertise ("customer conversations", "typescript"), compared case-sensitively. */
export const Area = Schema.Trimmed.pipe(Schema.minLength(1), Schema.maxLength(80), Schema.brand("Area"))
export type Area = typeof Area.Type
