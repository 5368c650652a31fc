/** Health (the process answers) and readiness (the store answers and the read models are built). */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Projections } from "@stint/core"
import * as Effect from "effect/Effect"
import { StintApi, Unavailable } from "./Api.js"
import { Database } from "@stint/sql"

export const layer = HttpApiBuilder.group(StintApi, "operations", (handlers) =>
  handlers
    .handle("health", () => Effect.succeed({ status: "ok" as const }))
    .handle("ready", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const storage = yield* Database.DatabaseKind
        const status = yield* projections.status.pipe(
          Effect.mapError((e) => new Unavailable({ message: `the store does not answer: ${e.message}` }))
        )
        const building = status.filter((s) => s.serving === undefined || s.serving.state !== "live")
        if (building.length > 0) {
          return yield* new Unavailable({
            message: `read models still building: ${building.map((s) => s.name).join(", ")}`
          })
        }
        return {
          status: "ready" as const,
          storage,
          projections: status.map((s) => ({
            name: s.name,
            state: s.serving?.state ?? "missing",
            lag: s.serving ? s.serving.eventsTotal - s.serving.eventsDone : 0
          }))
        }
      })
    )
)
