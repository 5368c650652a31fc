/**
 * The example server: `npx -y pnpm@10 start` from the repository root. Configuration comes from the
 * environment (see ServerConfig.ts); logs are JSON lines; SIGTERM or SIGINT shuts down gracefully.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
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

// No tracer exports spans here, so building them (with their stack traces) on every request would
// only cost CPU; a host that wires OpenTelemetry drops `withTracerEnabled(false)`.
NodeRuntime.runMain(Layer.launch(ServerLive).pipe(Effect.provide(Logger.json), Effect.withTracerEnabled(false)), {
  disablePrettyLogger: true
})
