/**
 * What the `stint` command reports when it cannot do what was asked: one line for the operator and
 * the process's exit code (2 for bad arguments, 1 for failures such as an unreachable database).
 */
import * as Data from "effect/Data"

/** The exit codes of `stint`. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A failure with the line to print (without the `stint: ` prefix) and the exit code. */
export class CliError extends Data.TaggedError("CliError")<{
  readonly message: string
  readonly exitCode: ExitCode
}> {}

/** Bad arguments: exit code 2. */
export const usage = (message: string): CliError => new CliError({ message, exitCode: ExitCode.usage })

/** A failure while running: exit code 1. */
export const failure = (message: string): CliError => new CliError({ message, exitCode: ExitCode.failure })
