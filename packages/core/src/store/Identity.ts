/**
 * The identity of what the log records: every event carries the user behind it and the command
 * that appended it. The kernel owns these ids; the domain re-exports them with its own (`Ids`).
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

/**
 * The id of a command. Sent again, the same command appends nothing and returns its first result
 * (an HTTP `Idempotency-Key` maps onto it).
 */
export const CommandId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200), Schema.brand("CommandId"))
export type CommandId = typeof CommandId.Type
