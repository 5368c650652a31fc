/**
 * Opening a Stint for the Promise API: on memory, an SQLite file or a PostgreSQL URL, with the
 * built-in read models, the host's own projections and the deadline process, all in one
 * `ManagedRuntime` that `close` disposes.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Policy from "@stint/core/Policy"
import type * as EventCodec from "@stint/core/EventCodec"
import type * as Projections from "@stint/core/Projections"
import * as DeadlineProcess from "@stint/core/DeadlineProcess"
import * as ReadModels from "@stint/core/ReadModels"
import * as Stint from "@stint/core/Stint"
import * as SqlStint from "@stint/sql/SqlStint"
import { InvalidArgument, type OpenError } from "./Errors.js"
import { settle } from "./internal/settle.js"
import * as StintClient from "./StintClient.js"

/** How to open a Stint. Everything is optional: `open()` is an in-memory Stint with the defaults. */
export interface OpenOptions {
  /**
   * Where the events live: a PostgreSQL URL (`postgres://…`), an SQLite file (`data/stint.db`,
   * `sqlite:data/stint.db`; created with its directory when missing), or nothing for memory (lost
   * on close: tests, demos). The SQL tables are created or migrated as it opens.
   */
  readonly database?: string
  /** The programme's policy: any value left out takes its default. Invalid values reject `open`. */
  readonly policy?: Partial<Policy.Policy>
  /** Run the seven built-in read models (default true). */
  readonly readModels?: boolean
  /**
   * Your own projections (`Projection.make(…)`), run beside the built-in read models: `inline` in
   * each append's transaction, `async` from the log. Also the runners' settings (`batchSize`,
   * `followInterval`).
   */
  readonly projections?: Projections.Options
  /**
   * The deadline process, which expires requests and ends time boxes as the system: on by default
   * (every minute) when the built-in read models run; `false` turns it off.
   */
  readonly deadlines?: boolean | { readonly interval?: Duration.DurationInput; readonly pageSize?: number }
  /** PostgreSQL pool size (default 10). */
  readonly maxConnections?: number
  /** Upcasters for events stored with an older schema version. */
  readonly upcasters?: ReadonlyArray<EventCodec.Upcaster>
  /** The least severe log line Stint prints (default `"Info"`); `"None"` silences it. */
  readonly logLevel?: LogLevel.Literal
}

const invalidOption = (path: string, message: string) =>
  new InvalidArgument({ argument: "options", issues: [{ path, message }] })

/** The layer `open` runs: Stint, its projections and the deadline process, on the chosen store. */
export const layer = (options: OpenOptions = {}): Layer.Layer<StintClient.Services, OpenError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const readModels = options.readModels ?? true
      const deadlines = options.deadlines ?? readModels
      if (deadlines !== false && !readModels) {
        return yield* invalidOption("deadlines", "the deadline process reads the built-in Deadlines read model")
      }
      const projections = readModels ? ReadModels.options(options.projections) : (options.projections ?? {})
      const composed: Stint.ComposedOptions = {
        projections,
        ...(options.policy === undefined ? {} : { policy: options.policy }),
        ...(options.upcasters === undefined ? {} : { upcasters: options.upcasters })
      }
      const store: Layer.Layer<StintClient.Services, OpenError> =
        options.database === undefined
          ? Stint.layerMemory(composed)
          : SqlStint.layer(options.database, {
              ...composed,
              ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections })
            })
      const process =
        deadlines === false
          ? store
          : Layer.provideMerge(DeadlineProcess.layer(deadlines === true ? {} : deadlines), store)
      return process.pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.fromLiteral(options.logLevel ?? "Info"))))
    })
  )

/**
 * Opens a Stint over any layer that provides `Stint` and `Projections`: for hosts that compose their
 * own (another store, a test clock). The layer is built before the Promise resolves; a failure to
 * build rejects with the layer's error.
 */
export const fromLayer = async <E>(
  services: Layer.Layer<StintClient.Services, E>
): Promise<StintClient.StintClient> => {
  const runtime = ManagedRuntime.make(services)
  // Built here, so a bad database string or policy rejects `open`, not the first call.
  const built = await runtime.runPromiseExit(Effect.runtime<StintClient.Services>())
  if (Exit.isFailure(built)) await runtime.dispose()
  return StintClient.make(settle(built), () => runtime.dispose())
}

/**
 * Opens a Stint: `await open({ database: "data/stint.db" })`. Rejects with an `OpenError` when the
 * database string, the policy or the options are invalid, or the database cannot be reached.
 */
export const open = (options: OpenOptions = {}): Promise<StintClient.StintClient> => fromLayer(layer(options))
