/**
 * The `stint` command for operators: `migrate`, `rebuild <projection>` with progress, `status`,
 * `stream <id>` and `tail`, against SQLite or PostgreSQL by one database string. A host with
 * projections of its own builds its `stint` with them registered:
 *
 * ```ts
 * import { Cli } from "@stint/cli"
 * import { ReadModels } from "@stint/core"
 *
 * Cli.main({ projections: ReadModels.options({ async: [myProjection] }) })
 * ```
 *
 * The commands never start the projection runners: they may run beside a live server. A rebuild
 * builds a new generation while the current one keeps serving reads, and switches when caught up.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as CliOptions from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import type * as Projections from "@stint/core/Projections"
import { Projections as ProjectionsTag } from "@stint/core/Projections"
import * as ReadModels from "@stint/core/ReadModels"
import * as Checkpoint from "@stint/core/Checkpoint"
import { EventStore } from "@stint/core/EventStore"
import * as StreamId from "@stint/core/StreamId"
import * as Migrations from "@stint/sql/Migrations"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as CliError from "./CliError.js"
import * as Database from "./internal/database.js"
import * as Format from "./internal/format.js"
import * as Progress from "./internal/progress.js"

/** What a host's `stint` knows: the projections it registers (default: the built-in read models). */
export interface Options {
  /** Projections as the host's server registers them, e.g. `ReadModels.options({ async: [mine] })`. */
  readonly projections?: Projections.Options
  /** Shown by `--version`. */
  readonly version?: string
}

/**
 * Completed when the operator asks the command to stop (SIGINT): `tail` then ends normally, every
 * other command ends as interrupted. `main` provides it; without it, commands end by interruption.
 */
export class Stop extends Context.Tag("@stint/cli/Stop")<Stop, Deferred.Deferred<void>>() {}

const names = (projections: Projections.Options): ReadonlyArray<string> =>
  [...(projections.inline ?? []), ...(projections.async ?? [])].map((p) => p.name)

/** What a rebuild is about to do, given the projection's status before it. */
const plan = (status: Projections.Status | undefined): string => {
  const serving = status?.serving
  if (serving === undefined) return "nothing serves it yet"
  if (serving.state === "building") {
    return `resuming generation ${serving.generation} from ${serving.checkpoint} (nothing serves reads until it is live)`
  }
  return status?.building === undefined
    ? `generation ${serving.generation} keeps serving reads until the new one has caught up`
    : `resuming generation ${status.building.generation}; generation ${serving.generation} keeps serving reads until it has caught up`
}

/** Ends `effect` as interrupted (exit 130) when the operator stops the command. */
const stoppable = <A, E, R>(effect: Effect.Effect<A, E, R>, onStop = "interrupted") =>
  Effect.flatMap(Effect.serviceOption(Stop), (stop) =>
    Option.isNone(stop)
      ? effect
      : Effect.raceFirst(
          effect,
          Effect.zipRight(
            Deferred.await(stop.value),
            Effect.fail(new CliError.CliError({ message: onStop, exitCode: CliError.ExitCode.interrupted }))
          )
        )
  )

const database = CliOptions.text("database").pipe(
  CliOptions.withAlias("d"),
  CliOptions.withDescription(
    "postgres://user:password@host:port/db, or an SQLite file path (default: $DATABASE_URL, else data/stint.db if it exists)"
  ),
  CliOptions.optional
)
const json = CliOptions.boolean("json").pipe(CliOptions.withDescription("print JSON instead of text"))
const redactNotes = CliOptions.boolean("redact-notes").pipe(
  CliOptions.withDescription("print the text of notes as [redacted]")
)

/** The `stint` command tree, with the host's projections registered. */
export const make = (options: Options = {}) => {
  const projections = options.projections ?? ReadModels.options()
  const known = names(projections)
  const open = (resolved: Database.Resolved) => Database.open(resolved, { projections })

  const migrate = Command.make("migrate", { database }, (args) =>
    Effect.gen(function* () {
      const resolved = yield* Database.resolve(args.database)
      const { before, applied } = yield* Database.migrate(resolved)
      const version = Math.max(0, ...before, ...applied)
      if (applied.length === 0) {
        yield* Console.log(`${resolved.display}: schema is up to date (version ${version}); nothing to apply`)
        return
      }
      yield* Console.log(`${resolved.display}: schema version ${Math.max(0, ...before)} → ${version}`)
      for (const v of applied) {
        const migration = Migrations.all.find((m) => m.version === v)
        yield* Console.log(`  applied ${v}: ${migration?.name ?? "(unknown)"}`)
      }
    }).pipe(stoppable)
  ).pipe(Command.withDescription("Create the schema, or bring it up to date (creates an SQLite file if missing)."))

  const rebuild = Command.make(
    "rebuild",
    { database, projection: Args.text({ name: "projection" }).pipe(Args.withDescription(known.join(", "))) },
    (args) =>
      Effect.gen(function* () {
        if (!known.includes(args.projection)) {
          return yield* CliError.usage(
            `unknown projection ${JSON.stringify(args.projection)}; known projections: ${known.join(", ")}`
          )
        }
        const resolved = yield* Database.resolve(args.database)
        yield* Effect.gen(function* () {
          const service = yield* ProjectionsTag
          const before = (yield* service.status).find((s) => s.name === args.projection)
          yield* Console.error(`rebuilding ${args.projection} on ${resolved.display}; ${plan(before)}`)
          const progress = Progress.reporter(args.projection)
          yield* stoppable(
            service.rebuild(args.projection, { onProgress: (p) => Effect.sync(() => progress.onProgress(p)) }),
            `interrupted: the new generation of ${args.projection} stays unfinished (reads still come from the old one); run rebuild again to resume it`
          ).pipe(Effect.ensuring(Effect.sync(() => progress.finish())))
          const done = progress.finish()
          const after = (yield* service.status).find((s) => s.name === args.projection)?.serving
          yield* Console.log(
            `rebuilt ${args.projection}: generation ${after?.generation ?? "?"} is live at ${after?.checkpoint ?? "?"} (${Progress.count(after?.eventsDone ?? done.events)} events); ${done.seconds.toFixed(1)}s, ${Progress.count(done.rate)} ev/s`
          )
        }).pipe(
          Effect.catchTags({
            // Building the older version would switch every server back to it.
            NewerVersionDeployed: (e) =>
              CliError.failure(
                `${resolved.display} serves version ${e.deployed} of ${e.name}; this stint registers version ${e.registered}: rebuild with a stint that registers the projections your servers run`
              ),
            StoreError: (e) => CliError.failure(`rebuild of ${args.projection} failed: ${Database.reason(e)}`),
            InvalidStoreData: (e) => CliError.failure(`rebuild of ${args.projection} failed: ${e.message}`)
          }),
          Effect.provide(open(resolved))
        )
      })
  ).pipe(
    Command.withDescription(
      "Rebuild a projection from the whole log into a new generation; reads switch to it once it has caught up."
    )
  )

  const status = Command.make("status", { database, json }, (args) =>
    Effect.gen(function* () {
      const resolved = yield* Database.resolve(args.database)
      yield* Effect.gen(function* () {
        const service = yield* ProjectionsTag
        const store = yield* EventStore
        const head = Checkpoint.format(yield* store.head)
        const rows = (yield* service.status).map(Format.withLag)
        if (args.json) {
          yield* Console.log(
            JSON.stringify({ database: resolved.display, head, projections: rows.map(Format.statusJson) }, null, 2)
          )
          return
        }
        yield* Console.log(`database ${resolved.display}, log head ${head}\n`)
        yield* Console.log(Format.statusTable(rows))
      }).pipe(
        Effect.catchTag("StoreError", (e) => CliError.failure(`status failed: ${Database.reason(e)}`)),
        Effect.provide(open(resolved))
      )
    }).pipe(stoppable)
  ).pipe(Command.withDescription("Each projection's generations, checkpoint and lag behind the log."))

  const streamCommand = Command.make(
    "stream",
    {
      database,
      json,
      redactNotes,
      id: Args.text({ name: "stream-id" }).pipe(
        Args.withDescription("e.g. engagement-<id>, mentor-<user id>, mentee-<user id>")
      )
    },
    (args) =>
      Effect.gen(function* () {
        const streamId = yield* StreamId.StreamId.pipe(
          (schema) => Effect.try(() => schema.make(args.id)),
          Effect.mapError(() => CliError.usage(`invalid stream id ${JSON.stringify(args.id)}: 1 to 200 characters`))
        )
        const resolved = yield* Database.resolve(args.database)
        yield* Effect.gen(function* () {
          const store = yield* EventStore
          const events = yield* store.readStream(streamId)
          if (events.length === 0) {
            return yield* CliError.failure(
              `stream ${args.id} has no events (stream ids look like engagement-<id>, mentor-<user id>, mentee-<user id>)`
            )
          }
          const print = args.json ? Format.eventJson : Format.eventLine
          yield* Console.log(events.map((e) => print(e, { redactNotes: args.redactNotes })).join("\n"))
        }).pipe(
          Effect.catchTags({
            StoreError: (e) => CliError.failure(`reading ${args.id} failed: ${Database.reason(e)}`),
            InvalidStoreData: (e) => CliError.failure(`reading ${args.id} failed: ${e.message}`)
          }),
          Effect.provide(open(resolved))
        )
      }).pipe(stoppable)
  ).pipe(Command.withDescription("Print a stream's events, oldest first."))

  const tail = Command.make(
    "tail",
    {
      database,
      json,
      redactNotes,
      from: CliOptions.text("from").pipe(
        CliOptions.withDescription(
          "start after this checkpoint (commit.position, 0.0 for the whole log); default: the end"
        ),
        CliOptions.optional
      )
    },
    (args) =>
      Effect.gen(function* () {
        const from = Option.isNone(args.from) ? undefined : Checkpoint.parse(args.from.value.trim())
        if (Option.isSome(args.from) && from === undefined) {
          return yield* CliError.usage(
            `invalid checkpoint ${JSON.stringify(args.from.value)}: expected commit.position, e.g. 0.0 or 12.3456`
          )
        }
        const resolved = yield* Database.resolve(args.database)
        const stop = yield* Effect.serviceOption(Stop)
        yield* Effect.gen(function* () {
          const store = yield* EventStore
          const start = from ?? (yield* store.head)
          yield* Console.error(`following ${resolved.display} after ${Checkpoint.format(start)} (Ctrl-C to stop)`)
          const print = args.json ? Format.eventJson : Format.eventLine
          yield* store.subscribe({ from: start }).pipe(
            Option.isSome(stop) ? Stream.interruptWhen(Deferred.await(stop.value)) : (s) => s,
            Stream.runForEach((event) => Console.log(print(event, { redactNotes: args.redactNotes })))
          )
        }).pipe(
          Effect.catchTags({
            StoreError: (e) => CliError.failure(`following the log failed: ${Database.reason(e)}`),
            InvalidStoreData: (e) => CliError.failure(`following the log failed: ${e.message}`)
          }),
          Effect.provide(open(resolved))
        )
      })
  ).pipe(Command.withDescription("Follow the global log, one line per event, until Ctrl-C."))

  return Command.make("stint", {}, () =>
    CliError.usage("missing command: migrate, rebuild, status, stream or tail (see stint --help)")
  ).pipe(
    Command.withDescription("Operate a Stint database: migrate, rebuild projections, inspect status and events."),
    Command.withSubcommands([migrate, rebuild, status, streamCommand, tail])
  )
}

/** Runs `stint` on command-line arguments (`process.argv`: the first two are node and the script). */
export const run = (options: Options = {}) => {
  const cli = Command.run(make(options), { name: "stint", version: options.version ?? "0.1.0" })
  return (argv: ReadonlyArray<string>) =>
    cli(argv).pipe(
      // Logs go to stderr, so stdout holds only what was asked for (`--json` stays parseable).
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.stringLogger))),
      Effect.provide(NodeContext.layer)
    )
}

/** The exit code of a run, printing the one-line message of a failure on stderr. */
export const exitCode = (exit: Exit.Exit<void, unknown>, print: (line: string) => void): CliError.ExitCode => {
  if (Exit.isSuccess(exit)) return CliError.ExitCode.ok
  if (Cause.isInterruptedOnly(exit.cause)) return CliError.ExitCode.interrupted
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error instanceof CliError.CliError) {
      print(`stint: ${error.message}`)
      return error.exitCode
    }
    // @effect/cli has printed what was wrong with the arguments, and the usage.
    if (ValidationError.isValidationError(error)) {
      if (ValidationError.isHelpRequested(error)) return CliError.ExitCode.ok
      print("stint: bad arguments (see stint --help)")
      return CliError.ExitCode.usage
    }
    print(`stint: ${Database.reason(error)}`)
    return CliError.ExitCode.failure
  }
  const defect = Cause.squash(exit.cause)
  print(`stint: unexpected error: ${Database.reason(defect)} (set STINT_DEBUG=1 for details)`)
  if (process.env.STINT_DEBUG) print(Cause.pretty(exit.cause))
  return CliError.ExitCode.failure
}

/**
 * Runs `stint` as the process: Ctrl-C (SIGINT or SIGTERM) stops `tail` cleanly and interrupts other
 * commands (a second one exits at once); sets the exit code (0 ok, 1 failure, 2 bad arguments).
 */
export const main = (options: Options = {}, argv: ReadonlyArray<string> = process.argv): void => {
  const stop = Deferred.unsafeMake<void>(FiberId.none)
  let signals = 0
  const onSignal = () => {
    signals += 1
    if (signals > 1) process.exit(CliError.ExitCode.interrupted)
    Deferred.unsafeDone(stop, Exit.void)
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  // `stint tail | head`: the reader went away; that is the end, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(CliError.ExitCode.ok)
  })
  Effect.runPromiseExit(run(options)(argv).pipe(Effect.provideService(Stop, stop))).then((exit) => {
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    const code = exitCode(exit, (line) => process.stderr.write(`${line}\n`))
    process.exitCode = code
    // Connections are closed by now; a handle a driver left open must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref()
  })
}
