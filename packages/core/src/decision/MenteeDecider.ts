/** The mentee decider: what the mentee says of themselves (the request ledger is written by engagements). */
import type * as Command from "./Command.js"
import * as D from "./Decision.js"

export const decide = (command: Command.MenteeCommand, input: D.Input): D.Result => {
  const { actor, now } = input
  if (actor._tag !== "User") return D.notAllowed(actor, command._tag, "only a mentee declares their own interests")
  return D.accept({ mentee: [{ _tag: "InterestsDeclared", areas: command.areas, declaredAt: now }] })
}
