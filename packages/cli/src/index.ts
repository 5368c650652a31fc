/**
 * `@stint/cli`: the `stint` command for operators, and its command tree for hosts that register
 * projections of their own.
 */
export * as Cli from "./Cli.js"
export * as CliError from "./CliError.js"
