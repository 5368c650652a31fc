/**
 * Idempotent commands for hosts: the command id of a caller's idempotency key, and the fingerprint of
 * a request that the store records beside its command id. A retry (same id, same request) gets the
 * first result; the same id with another request is refused with `CommandIdReused`, whether or not
 * the first one wrote events (INV-17).
 */
import { createHash } from "node:crypto"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { Actor, Actor as ActorSchema } from "../store/Actor.js"
import { Command } from "../decision/Command.js"

const encodeCommand = Schema.encodeEither(Command)

/** An actor, decoded or as a host writes it (`{ _tag: "User", userId: "ana" }`). */
type AnyActor = Actor | typeof ActorSchema.Encoded

/** Who an actor is, as a list no other actor shares. */
const actorParts = (actor: AnyActor): ReadonlyArray<string> =>
  actor._tag === "System" ? ["System"] : [actor._tag, actor.userId]

/** SHA-256 of a text, base64url (Node's crypto: synchronous, a few microseconds). */
const digest = (text: string): string => createHash("sha256").update(text).digest("base64url")

/**
 * The command id of a caller's idempotency key (an HTTP `Idempotency-Key`): keys belong to their
 * caller, so two callers never share one, and no (caller, key) pair collides with another — the
 * parts are hashed as a JSON list, not joined with a separator.
 */
export const commandIdOf = (actor: AnyActor, key: string): string =>
  `key:${digest(JSON.stringify([...actorParts(actor), key]))}`

/** A command as text: encoded by its schema (fields in the schema's order, whatever order they came in). */
const commandText = (command: Command): string =>
  Either.match(encodeCommand(command), {
    onRight: (encoded) => JSON.stringify(encoded),
    // A command its schema refuses (a value out of bounds, which the decider will refuse): as it is.
    onLeft: () =>
      JSON.stringify(command, (_key, value: unknown) =>
        DateTime.isDateTime(value) ? DateTime.formatIso(value) : value
      )
  })

/** What a request is: its actor and its command. The same request always has the same fingerprint. */
export const fingerprint = (command: Command, actor: Actor): string =>
  digest(JSON.stringify([actorParts(actor), commandText(command)]))
