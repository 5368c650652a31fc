/**
 * The deadline process: reads the Deadlines read model and, when a request's expiry or an
 * engagement's end of time box has come, sends `ExpireRequest` or `ElapseTimeBox` as the system.
 *
 * It is idempotent by construction: each deadline's command id is derived from the deadline itself
 * (kind, engagement, due instant), so a second process, a restart or a retry sends the same command
 * id and appends nothing (INV-17); and the deciders refuse a deadline that no longer applies (the
 * request was agreed meanwhile), which the process counts as already settled. Time comes from
 * `Clock`, so tests drive it with `TestClock`.
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Actor from "../store/Actor.js"
import { Projections } from "../projection/Projections.js"
import * as Queries from "../Queries.js"
import * as Deadlines from "../readmodel/Deadlines.js"
import { Stint } from "../Stint.js"

/** Options of the deadline process. */
export interface Options {
  /** How often it looks for deadlines that have come (default 1 minute). */
  readonly interval?: Duration.DurationInput
  /** Deadlines read per page (default 100). */
  readonly pageSize?: number
}

/** What one pass did. */
export interface Tick {
  /** Commands that appended events. */
  readonly sent: number
  /** Deadlines already settled: sent before (same command id), or no longer applying. */
  readonly settled: number
}

const actionable = ["request_expires", "time_box_ends"] as const

/** The command id of a deadline: the same for every process that sees it. */
export const commandId = (deadline: Deadlines.Deadline): string =>
  `deadline:${deadline.kind}:${deadline.engagementId}:${DateTime.toEpochMillis(deadline.dueAt)}`

/** One pass: every deadline due at the current time, in due order. */
export const tick = (options: Options = {}) =>
  Effect.gen(function* () {
    const projections = yield* Projections
    if (!projections.registered.includes(Deadlines.projection.name)) {
      return yield* Effect.dieMessage(
        "the deadline process reads the Deadlines projection: register it (ReadModels.options() does)"
      )
    }
    const stint = yield* Stint
    const now = yield* Clock.currentTimeMillis
    let sent = 0
    let settled = 0
    for (const kind of actionable) {
      let cursor: string | undefined
      do {
        const page = yield* Queries.dueDeadlines(kind, DateTime.unsafeMake(now), {
          limit: options.pageSize ?? 100,
          cursor
        })
        for (const { document } of page.items) {
          const command = Deadlines.commandFor(document)
          if (command === undefined) continue
          const outcome = yield* stint.execute(command, { actor: Actor.system, commandId: commandId(document) }).pipe(
            Effect.map((result) => (result.duplicate ? "settled" : "sent")),
            // Refused (the request was answered, the time box already wrapped up) or raced: settled.
            Effect.catchIf(
              (e) => e._tag !== "StoreError" && e._tag !== "InvalidStoreData",
              () => Effect.succeed("settled" as const)
            )
          )
          if (outcome === "sent") sent++
          else settled++
        }
        cursor = page.next
      } while (cursor !== undefined)
    }
    return { sent, settled } satisfies Tick
  }).pipe(Effect.withSpan("DeadlineProcess.tick"))

/** Runs `tick` every interval, forever; a failed pass is logged and the next one tries again. */
export const run = (options: Options = {}) =>
  tick(options).pipe(
    Effect.tap((t) =>
      t.sent > 0 ? Effect.logInfo(`deadline process: ${t.sent} sent, ${t.settled} settled`) : Effect.void
    ),
    Effect.catchAllCause((cause) => Effect.logError("deadline process pass failed", cause)),
    Effect.repeat(Schedule.spaced(options.interval ?? Duration.minutes(1))),
    Effect.zipRight(Effect.never)
  )

/** The process as a layer: runs for the layer's lifetime. */
export const layer = (options: Options = {}): Layer.Layer<never, never, Projections | Stint> =>
  Layer.scopedDiscard(Effect.forkScoped(run(options)))
