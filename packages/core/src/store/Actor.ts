/**
 * Who issues a command. The actor always comes from the host's authentication, never from a
 * command's body, so the deciders can check authority (INV-02).
 */
import * as Schema from "effect/Schema"
import { UserId } from "./Identity.js"

/** A signed-in user acting for themselves. */
export const User = Schema.TaggedStruct("User", { userId: UserId })
/** A programme administrator: may override capacity and end engagements early, never act for a party. */
export const Admin = Schema.TaggedStruct("Admin", { userId: UserId })
/** The deadline process: expires requests and elapses time boxes. */
export const System = Schema.TaggedStruct("System", {})

export const Actor = Schema.Union(User, Admin, System)
export type Actor = typeof Actor.Type

export const user = (userId: UserId): Actor => User.make({ userId })
export const admin = (userId: UserId): Actor => Admin.make({ userId })
export const system: Actor = System.make({})

/** The user id behind a user actor, if it is one. */
export const userIdOf = (actor: Actor): UserId | undefined => (actor._tag === "User" ? actor.userId : undefined)

/** A short readable form for error messages and logs. */
export const describe = (actor: Actor): string =>
  actor._tag === "System" ? "system" : actor._tag === "Admin" ? `admin ${actor.userId}` : `user ${actor.userId}`
