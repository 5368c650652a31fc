/** The errors a store reports: a version conflict the caller can retry, or a wrapped failure. */
import * as Schema from "effect/Schema"

/** A stream was not at the version the writer expected; nothing was written. */
export class WrongExpectedVersion extends Schema.TaggedError<WrongExpectedVersion>()("WrongExpectedVersion", {
  streamId: Schema.String,
  expected: Schema.String,
  actual: Schema.Int
}) {
  override get message(): string {
    return `stream ${this.streamId} is at version ${this.actual}, expected ${this.expected}`
  }
}

/**
 * A command id already recorded for a different request (another command, body or actor): a retry
 * must send the same request, and a new request needs a new id. Nothing was written.
 */
export class CommandIdReused extends Schema.TaggedError<CommandIdReused>()("CommandIdReused", {
  commandId: Schema.String
}) {
  override get message(): string {
    return `command id ${this.commandId} was used for a different request; send a new request with a new id (a new Idempotency-Key)`
  }
}

/** A stream id, event or row the store cannot accept or read back; names where it is. */
export class InvalidStoreData extends Schema.TaggedError<InvalidStoreData>()("InvalidStoreData", {
  streamId: Schema.String,
  version: Schema.optional(Schema.Int),
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid data in stream ${this.streamId}${this.version === undefined ? "" : ` at version ${this.version}`}: ${this.reason}`
  }
}

/** The storage failed (connection, disk, driver); wrapped once, with the operation that failed. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  method: Schema.String,
  cause: Schema.Defect
}) {
  override get message(): string {
    return `event store ${this.method} failed: ${String((this.cause as { message?: unknown })?.message ?? this.cause)}`
  }
}
