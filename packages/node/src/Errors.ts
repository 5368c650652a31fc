/**
 * What the Promise API rejects with. Every rejection is an `Error` with a `_tag`, so a host can
 * `switch (error._tag)`: the domain's refusals and the store's errors are the very instances the
 * Effect API fails with (re-exported here), plus the few this package adds.
 */
import type { ConfigError } from "effect/ConfigError"
import * as Schema from "effect/Schema"
import type { SqlError } from "@effect/sql/SqlError"
import type { InvalidPolicy } from "@stint/core/Policy"
import * as Refusal from "@stint/core/Refusal"
import { InvalidCommand } from "@stint/core/InvalidCommand"
import type { InvalidQuery } from "@stint/core/ProjectionStore"
import type { NewerVersionDeployed, UnknownProjection } from "@stint/core/Projections"
import type { CommandIdReused, InvalidStoreData, StoreError, WrongExpectedVersion } from "@stint/core/StoreError"
import type { InvalidDatabaseUrl } from "@stint/sql/Database"

/** The Stint was closed: no call is possible any more. */
export class StintClosed extends Schema.TaggedError<StintClosed>()("StintClosed", {
  /** The call that was refused. */
  operation: Schema.String
}) {
  override get message(): string {
    return `${this.operation}: this Stint is closed; open a new one`
  }
}

/**
 * An argument other than a command (an actor, an id, a checkpoint, an option) does not match its
 * schema. Commands that do not match theirs reject with the core's `InvalidCommand`.
 */
export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()("InvalidArgument", {
  argument: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message(): string {
    const issues = this.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    return `invalid ${this.argument}: ${issues.join("; ")}`
  }
}

/** A bug, not an outcome: a defect or an unexpected interruption. `message` is the cause's pretty print. */
export class StintDefect extends Schema.TaggedError<StintDefect>()("StintDefect", {
  message: Schema.String,
  /** The defect itself (the first one, when there were several). */
  cause: Schema.Defect
}) {}

/** What a command can reject with: a refusal, bad input, or the store failing. */
export type CommandError =
  | Refusal.Refusal
  | InvalidCommand
  | InvalidArgument
  | WrongExpectedVersion
  | CommandIdReused
  | InvalidStoreData
  | StoreError
  | StintClosed
  | StintDefect

/** What a read can reject with (a read model whose projection this Stint does not run: `UnknownProjection`). */
export type ReadError = InvalidArgument | UnknownProjection | InvalidStoreData | StoreError | StintClosed | StintDefect

/** What a list of read-model documents can reject with (a bad index, cursor or limit: `InvalidQuery`). */
export type ListError = ReadError | InvalidQuery

/** What a call naming a projection (`catchUp`, `rebuild`) can reject with. */
export type ProjectionError = ReadError | NewerVersionDeployed

/** What `open` can reject with. */
export type OpenError =
  | InvalidDatabaseUrl
  | SqlError
  | StoreError
  | ConfigError
  | InvalidPolicy
  | InvalidArgument
  | StintDefect

/** Everything any call of the Promise API can reject with. */
export type StintError = CommandError | ListError | ProjectionError | OpenError

const refusalTags: ReadonlySet<string> = new Set(Refusal.Refusal.members.map((member) => member.identifier))

/** Whether `error` is one of the domain's refusals (a `switch (error._tag)` then narrows it). */
export const isRefusal = (error: unknown): error is Refusal.Refusal =>
  error instanceof Error && "_tag" in error && typeof error._tag === "string" && refusalTags.has(error._tag)

/** Whether `error` is a command that did not match its schema. */
export const isInvalidCommand = (error: unknown): error is InvalidCommand => error instanceof InvalidCommand
