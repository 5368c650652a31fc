/**
 * The example server: `npx -y pnpm@10 start` from the repository root. Configuration comes from the
 * environment (see ServerConfig.ts); logs are JSON lines; SIGTERM or SIGINT shuts down gracefully.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Http from "./Http.js"
import * as Seed from "./Seed.js"
import { ServerConfig, layer as configLayer } from "./ServerConfig.js"
import * as Storage from "./Storage.js"

const seed = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* ServerConfig
    if (config.seed) yield* Seed.run
  })
)

const ServerLive = Http.layer.pipe(
  Layer.provide(Storage.deadlines),
  Layer.provide(seed),
  Layer.provideMerge(Storage.layer),
  Layer.provideMerge(configLayer)
)

// Failures are logged here, inside the JSON logger (the runtime's own report would be logfmt): a bad
// configuration at start is one JSON line with the variable and why, and the exit code is 1.
const main = Layer.launch(ServerLive).pipe(
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("the server stopped on an error", cause)
  ),
  Effect.provide(Logger.json),
  // No tracer exports spans here, so building them (with their stack traces) on every request would
  // only cost CPU; a host that wires OpenTelemetry drops `withTracerEnabled(false)`.
  Effect.withTracerEnabled(false)
)

NodeRuntime.runMain(main, { disablePrettyLogger: true, disableErrorReporting: true })
