/**
 * The two parties of an engagement. Shared by the engagement and mentee streams (a request records
 * who opened it), so it lives below both aggregates.
 */
import * as Schema from "effect/Schema"

/** Who started the engagement: usually the mentee; a mentor may offer a follow-up. */
export const Initiator = Schema.Literal("mentee", "mentor")
export type Initiator = typeof Initiator.Type

/** A participant's role in one engagement. */
export const Role = Schema.Literal("mentee", "mentor")
export type Role = typeof Role.Type
