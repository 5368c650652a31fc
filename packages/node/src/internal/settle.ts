/** Turns an `Exit` into what a Promise resolves or rejects with. */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { StintDefect } from "../Errors.js"

/** A defect (or an unexpected interruption) as an `Error` carrying the cause's pretty print. */
export const defect = (cause: Cause.Cause<unknown>): StintDefect =>
  new StintDefect({ message: Cause.pretty(cause), cause: Cause.squash(cause) })

/**
 * The value of a success; else throws the very error the effect failed with (a refusal is the
 * domain's own instance, never wrapped in a `FiberFailure`), or a `StintDefect`.
 */
export const settle = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) throw failure.value
  throw defect(exit.cause)
}
