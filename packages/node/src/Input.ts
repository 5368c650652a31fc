/**
 * The inputs of the Promise API: plain JSON-shaped objects, exactly what the core's schemas encode
 * to (instants as ISO strings, ids as strings). They are decoded on every call, so what a type
 * cannot catch (an id that is not a UUID, a goal too long) rejects with `InvalidCommand`.
 */
import type * as Actor from "@stint/core/Actor"
import type * as Command from "@stint/core/Command"

/** Any command, as plain JSON (`{ _tag: "AgreeEngagement", engagementId }`). */
export type CommandInput = typeof Command.Command.Encoded

/** The tag of a command (`"RequestEngagement"`, `"RecordSession"`, …). */
export type CommandTag = CommandInput["_tag"]

/** One command's input by tag: `CommandInputOf<"RecordSession">`. */
export type CommandInputOf<T extends CommandTag> = Extract<CommandInput, { readonly _tag: T }>

/** Who acts or views, as plain JSON. It comes from the host's authentication, never from a body. */
export type ActorInput = typeof Actor.Actor.Encoded

/** A signed-in user acting for themselves. */
export const user = (userId: string): ActorInput => ({ _tag: "User", userId })

/** A programme administrator. */
export const admin = (userId: string): ActorInput => ({ _tag: "Admin", userId })

/** The system (what the deadline process acts as). */
export const system: ActorInput = { _tag: "System" }

/** Who sends a command, and the ids that trace it. */
export interface CommandOptions {
  readonly actor: ActorInput
  /** Idempotency: the same id again appends nothing and resolves with the first result. */
  readonly commandId?: string
  readonly correlationId?: string
  readonly causationId?: string
}

/** A page of a list: at most `limit` (default 50, at most 1000) after the `cursor` of the last page. */
export interface PageOptions {
  readonly limit?: number
  readonly cursor?: string
}

/** Where the event feed starts, whether it follows new events, and whom it is for. */
export interface FeedOptions {
  /**
   * The viewer the feed is for: only the events they may see (their streams, their engagements'
   * events, their own private notes; no notes for staff). Omit it only for operator tools.
   */
  readonly as?: ActorInput
  /** A checkpoint (`"commit.position"`, from `item.checkpoint`): the feed starts after it. Default: the start. */
  readonly from?: string
  /** Keep following new events once caught up (default false: end at the head of the log). */
  readonly live?: boolean
}
