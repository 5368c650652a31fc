/**
 * `@stint/node`: Stint for any Node app, no Effect required. Open a Stint on memory, an SQLite file
 * or PostgreSQL, send commands, read the read models as a viewer, follow the event feed with
 * `for await`, close it. Every call returns a Promise; refusals reject with the domain's own error
 * classes, so `switch (error._tag)` narrows them.
 *
 * ```ts
 * import { open, user } from "@stint/node"
 * await using stint = await open({ database: "data/stint.db" })
 * await stint.execute({ _tag: "RegisterMentor", mentorId: "ana", areas: ["typescript"] }, { actor: user("ana") })
 * ```
 */
export { fromLayer, layer, type OpenOptions, open } from "./Open.js"
export type { CommandResult, FeedItem, Role, Services, StintClient } from "./StintClient.js"
export {
  type ActorInput,
  admin,
  type CommandInput,
  type CommandInputOf,
  type CommandOptions,
  type CommandTag,
  type FeedOptions,
  type PageOptions,
  system,
  user
} from "./Input.js"
export {
  type CommandError,
  InvalidArgument,
  isInvalidCommand,
  isRefusal,
  type ListError,
  type OpenError,
  type ProjectionError,
  type ReadError,
  StintClosed,
  StintDefect,
  type StintError
} from "./Errors.js"

// The errors calls reject with, as the core defines them: a refusal is the domain's own class.
export * from "@stint/core/Refusal"
export { InvalidCommand } from "@stint/core/InvalidCommand"
export { CommandIdReused, InvalidStoreData, StoreError, WrongExpectedVersion } from "@stint/core/StoreError"
// Idempotency keys: `commandIdOf(actor, key)` is a caller's key as a command id (see `CommandOptions.commandId`).
export { commandIdOf } from "@stint/core/Idempotency"
export { InvalidQuery, type ListQuery, type Page } from "@stint/core/ProjectionStore"
export { NewerVersionDeployed, UnknownProjection } from "@stint/core/Projections"
export { InvalidPolicy } from "@stint/core/Policy"
export { InvalidDatabaseUrl } from "@stint/sql/Database"

// The types of what calls resolve with, and what a host needs to define its own projections.
export {
  Deadlines,
  EngagementState,
  EngagementView,
  EventCodec,
  MenteeNetwork,
  MenteeState,
  MentorInbox,
  MentorLoad,
  MentorState,
  ProgramMetrics,
  Projection,
  ReadModel,
  SessionJournal,
  StreamId
} from "@stint/core"
export { DateTime, Schema } from "effect"
