/**
 * The command endpoints: the actor from the token, the command from the path and body, the command id
 * from `Idempotency-Key`. Domain refusals become 403 / 404 / 409 / 422 with the refusal's tag and
 * fields; a failing store becomes 503, and nothing was acknowledged.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Checkpoint, Refusal, Stint } from "@stint/core"
import * as Idempotency from "@stint/core/Idempotency"
import type { Command } from "@stint/core/Command"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import {
  Accepted,
  type CommandName,
  Conflict,
  CurrentActor,
  Forbidden,
  NotFound,
  StintApi,
  Unavailable,
  Unprocessable
} from "./Api.js"

/** The HTTP answer of each kind of refusal; the kind of each refusal is the domain's (`Refusal.kindOf`). */
const errorOfKind = {
  forbidden: Forbidden,
  not_found: NotFound,
  invalid: Unprocessable,
  conflict: Conflict
} satisfies Record<Refusal.RefusalKind, unknown>

const encodeRefusal = Schema.encodeSync(Refusal.Refusal)

/** The HTTP error for a failed command. */
export const httpError = (error: { readonly _tag: string; readonly message: string }) => {
  if (error._tag === "StoreError" || error._tag === "InvalidStoreData") {
    return new Unavailable({ message: `the store failed; the command was not acknowledged: ${error.message}` })
  }
  if (error._tag === "WrongExpectedVersion") {
    return new Conflict({ refusal: error._tag, message: `${error.message}; retry the request`, details: {} })
  }
  if (error._tag === "CommandIdReused") {
    return new Unprocessable({
      refusal: "IdempotencyKeyReused",
      message: "this Idempotency-Key was used with a different request; use a new key for a new request",
      details: {}
    })
  }
  const refusal = error as Refusal.Refusal
  const { _tag, ...details } = encodeRefusal(refusal) as { readonly _tag: string }
  return new errorOfKind[Refusal.kindOf(refusal)]({ refusal: _tag, message: error.message, details })
}

const tagOf = (name: CommandName): Command["_tag"] => (name.charAt(0).toUpperCase() + name.slice(1)) as Command["_tag"]

/** Executes a command for the caller; a repeated `Idempotency-Key` answers with the first result. */
export const execute = (name: CommandName, payload: object, idempotencyKey: string | undefined) =>
  Effect.gen(function* () {
    const actor = yield* CurrentActor
    const stint = yield* Stint.Stint
    const command = { _tag: tagOf(name), ...payload } as Command
    // The key is the caller's: the library derives the command id from both, and refuses the id for
    // another request (CommandIdReused) whether or not the first one wrote events.
    const result = yield* stint
      .execute(command, {
        actor,
        ...(idempotencyKey === undefined ? {} : { commandId: Idempotency.commandIdOf(actor, idempotencyKey) })
      })
      .pipe(Effect.mapError(httpError))
    return Accepted.make({
      commandId: result.commandId,
      replayed: result.duplicate,
      events: result.events.map(({ record }) => ({
        type: record.type,
        streamId: record.streamId,
        version: record.version,
        checkpoint: Checkpoint.format(record)
      }))
    })
  }).pipe(Effect.withSpan("http.command", { attributes: { "stint.command": name } }))

/** The handler of one command endpoint: every one has the same shape. */
const handle =
  (name: CommandName) =>
  ({
    headers,
    payload
  }: {
    readonly headers: { readonly "idempotency-key"?: string | undefined }
    readonly payload: object
  }) =>
    execute(name, payload, headers["idempotency-key"])

export const layer = HttpApiBuilder.group(StintApi, "commands", (handlers) =>
  handlers
    .handle("registerMentor", handle("registerMentor"))
    .handle("changeExpertise", handle("changeExpertise"))
    .handle("changeCapacity", handle("changeCapacity"))
    .handle("pauseMentoring", handle("pauseMentoring"))
    .handle("resumeMentoring", handle("resumeMentoring"))
    .handle("declareInterests", handle("declareInterests"))
    .handle("requestEngagement", handle("requestEngagement"))
    .handle("offerEngagement", handle("offerEngagement"))
    .handle("counterScope", handle("counterScope"))
    .handle("agreeEngagement", handle("agreeEngagement"))
    .handle("declineEngagement", handle("declineEngagement"))
    .handle("withdrawRequest", handle("withdrawRequest"))
    .handle("recordSession", handle("recordSession"))
    .handle("retractSession", handle("retractSession"))
    .handle("addNote", handle("addNote"))
    .handle("offerExtension", handle("offerExtension"))
    .handle("acceptExtension", handle("acceptExtension"))
    .handle("declineExtension", handle("declineExtension"))
    .handle("recordGoalOutcome", handle("recordGoalOutcome"))
    .handle("closeEngagement", handle("closeEngagement"))
    .handle("giveFeedback", handle("giveFeedback"))
)
