/**
 * The HTTP API, as `@effect/platform` `HttpApi` values: every command of the domain as
 * `POST /commands/<name>`, every read model as a `GET`, health and readiness. The OpenAPI document and
 * the browsable docs (`/docs`) come from these definitions, so they cannot drift from the server.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import {
  Command,
  Deadlines,
  EngagementView,
  Ids,
  MenteeNetwork,
  MentorInbox,
  MentorLoad,
  ProgramMetrics,
  SessionJournal
} from "@stint/core"
import type { Actor } from "@stint/core/Actor"
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"

// ── errors ────────────────────────────────────────────────────────────────────────────────────

/** 401: no token, or one that is malformed, forged or expired. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** A domain refusal, with its tag and fields, so a client can act on it. */
const refusalFields = {
  refusal: Schema.String,
  message: Schema.String,
  details: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}

/** 403: the domain refuses this actor (a mentee agreeing on the mentor's behalf, a stranger). */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  refusalFields,
  HttpApiSchema.annotations({ status: 403 })
) {}

/** 404: no such engagement, mentor, session or goal, or none this caller may see. */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  {
    message: Schema.String,
    refusal: Schema.optional(Schema.String),
    details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** 409: the request conflicts with the current state (cap reached, already closed, at capacity…). */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  refusalFields,
  HttpApiSchema.annotations({ status: 409 })
) {}

/** 422: the request is well-formed but never acceptable (out of policy bounds, self-mentoring…). */
export class Unprocessable extends Schema.TaggedError<Unprocessable>()(
  "Unprocessable",
  refusalFields,
  HttpApiSchema.annotations({ status: 422 })
) {}

/** 503: the store is unreachable or failed; nothing was acknowledged. */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

// ── authentication ────────────────────────────────────────────────────────────────────────────

/** The caller, from their token. */
export class CurrentActor extends Context.Tag("@stint/example-server/CurrentActor")<CurrentActor, Actor>() {}

/** Bearer tokens (HS256 JWTs): every endpoint but health and readiness needs one. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure: Unauthorized,
  provides: CurrentActor,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

// ── commands ──────────────────────────────────────────────────────────────────────────────────

/** `Idempotency-Key`: the same key from the same caller returns the first response, appending nothing. */
export const CommandHeaders = Schema.Struct({
  "idempotency-key": Schema.optional(
    Schema.String.pipe(
      Schema.minLength(1),
      Schema.maxLength(128),
      Schema.pattern(/^[\x21-\x7e]+$/, { message: () => "Idempotency-Key is 1 to 128 visible ASCII characters" })
    )
  )
})

/** What a command appended. */
export const Accepted = Schema.Struct({
  commandId: Schema.String,
  /** True when this is the answer to an earlier request with the same `Idempotency-Key`. */
  replayed: Schema.Boolean,
  events: Schema.Array(
    Schema.Struct({
      type: Schema.String,
      streamId: Schema.String,
      version: Schema.Int,
      /** The event's place in the global log, `commit.position` (the feed's `Last-Event-ID`). */
      checkpoint: Schema.String
    })
  )
})

/** The commands a caller may send (the deadline process sends `ExpireRequest` and `ElapseTimeBox`). */
export const commands = {
  registerMentor: Command.RegisterMentor,
  changeExpertise: Command.ChangeExpertise,
  changeCapacity: Command.ChangeCapacity,
  pauseMentoring: Command.PauseMentoring,
  resumeMentoring: Command.ResumeMentoring,
  declareInterests: Command.DeclareInterests,
  requestEngagement: Command.RequestEngagement,
  offerEngagement: Command.OfferEngagement,
  counterScope: Command.CounterScope,
  agreeEngagement: Command.AgreeEngagement,
  declineEngagement: Command.DeclineEngagement,
  withdrawRequest: Command.WithdrawRequest,
  recordSession: Command.RecordSession,
  retractSession: Command.RetractSession,
  addNote: Command.AddNote,
  offerExtension: Command.OfferExtension,
  acceptExtension: Command.AcceptExtension,
  declineExtension: Command.DeclineExtension,
  recordGoalOutcome: Command.RecordGoalOutcome,
  closeEngagement: Command.CloseEngagement,
  giveFeedback: Command.GiveFeedback
} as const

export type CommandName = keyof typeof commands

/** `requestEngagement` → `/commands/request-engagement`. */
export const pathOf = (name: string): `/${string}` =>
  `/commands/${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`

/** A command's body: its fields without the tag (the path names the command). */
const bodyOf = <F extends Schema.Struct.Fields>(schema: { readonly fields: F }): Schema.Struct<Omit<F, "_tag">> => {
  const { _tag, ...fields } = schema.fields
  return Schema.Struct(fields as Omit<F, "_tag">)
}

const commandEndpoint = <const Name extends CommandName>(name: Name) =>
  HttpApiEndpoint.post(name, pathOf(name))
    .setPayload(bodyOf<(typeof commands)[Name]["fields"]>(commands[name]))
    .setHeaders(CommandHeaders)
    .addSuccess(Accepted)
    .addError(Forbidden)
    .addError(NotFound)
    .addError(Conflict)
    .addError(Unprocessable)
    .addError(Unavailable)

export class CommandsGroup extends HttpApiGroup.make("commands")
  .add(commandEndpoint("registerMentor"))
  .add(commandEndpoint("changeExpertise"))
  .add(commandEndpoint("changeCapacity"))
  .add(commandEndpoint("pauseMentoring"))
  .add(commandEndpoint("resumeMentoring"))
  .add(commandEndpoint("declareInterests"))
  .add(commandEndpoint("requestEngagement"))
  .add(commandEndpoint("offerEngagement"))
  .add(commandEndpoint("counterScope"))
  .add(commandEndpoint("agreeEngagement"))
  .add(commandEndpoint("declineEngagement"))
  .add(commandEndpoint("withdrawRequest"))
  .add(commandEndpoint("recordSession"))
  .add(commandEndpoint("retractSession"))
  .add(commandEndpoint("addNote"))
  .add(commandEndpoint("offerExtension"))
  .add(commandEndpoint("acceptExtension"))
  .add(commandEndpoint("declineExtension"))
  .add(commandEndpoint("recordGoalOutcome"))
  .add(commandEndpoint("closeEngagement"))
  .add(commandEndpoint("giveFeedback"))
  .middleware(Authentication) {}

// ── read models ───────────────────────────────────────────────────────────────────────────────

const Paging = Schema.Struct({
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200))),
  cursor: Schema.optional(Schema.String.pipe(Schema.maxLength(2000)))
})

const page = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({ items: Schema.Array(item), next: Schema.NullOr(Schema.String) })

const engagementId = HttpApiSchema.param("engagementId", Ids.EngagementId)
const userId = HttpApiSchema.param("userId", Ids.UserId)

export class ReadModelsGroup extends HttpApiGroup.make("readModels")
  .add(
    HttpApiEndpoint.get("engagement")`/engagements/${engagementId}`
      .addSuccess(EngagementView.Document)
      .addError(NotFound)
  )
  .add(
    HttpApiEndpoint.get("journal")`/engagements/${engagementId}/journal`
      .addSuccess(SessionJournal.ForViewer)
      .addError(NotFound)
  )
  .add(
    HttpApiEndpoint.get("mentorLoad")`/mentors/${userId}/load`
      .addSuccess(Schema.Union(MentorLoad.MentorLoad, MentorLoad.PublicMentorLoad))
      .addError(NotFound)
  )
  .add(
    HttpApiEndpoint.get("mentorInbox")`/mentors/${userId}/inbox`.addSuccess(MentorInbox.MentorInbox).addError(NotFound)
  )
  .add(
    HttpApiEndpoint.get("menteeNetwork")`/mentees/${userId}/network`
      .addSuccess(MenteeNetwork.MenteeNetwork)
      .addError(NotFound)
  )
  .add(HttpApiEndpoint.get("programme", "/programme").addSuccess(ProgramMetrics.Programme).addError(NotFound))
  .add(
    HttpApiEndpoint.get("mentors", "/mentors")
      .setUrlParams(Schema.extend(Paging, Schema.Struct({ area: Ids.Area })))
      .addSuccess(page(Schema.Union(MentorLoad.MentorLoad, MentorLoad.PublicMentorLoad)))
  )
  .add(
    HttpApiEndpoint.get("myEngagements", "/me/engagements")
      .setUrlParams(Schema.extend(Paging, Schema.Struct({ as: Schema.optional(Schema.Literal("mentee", "mentor")) })))
      .addSuccess(page(EngagementView.Document))
  )
  .add(
    HttpApiEndpoint.get("deadlines", "/deadlines")
      .setUrlParams(Paging)
      .addSuccess(page(Deadlines.Deadline))
      .addError(Forbidden)
  )
  .addError(Unprocessable)
  .addError(Unavailable)
  .middleware(Authentication) {}

// ── operations ────────────────────────────────────────────────────────────────────────────────

export const Health = Schema.Struct({ status: Schema.Literal("ok") })
export const Readiness = Schema.Struct({
  status: Schema.Literal("ready"),
  storage: Schema.Literal("sqlite", "postgresql"),
  projections: Schema.Array(Schema.Struct({ name: Schema.String, state: Schema.String, lag: Schema.Number }))
})

export class OperationsGroup extends HttpApiGroup.make("operations")
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Health))
  .add(HttpApiEndpoint.get("ready", "/ready").addSuccess(Readiness).addError(Unavailable)) {}

/** The whole API. */
export class StintApi extends HttpApi.make("stint")
  .add(CommandsGroup)
  .add(ReadModelsGroup)
  .add(OperationsGroup)
  .annotate(OpenApi.Title, "Stint example server")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(
    OpenApi.Description,
    "Micro-mentoring over HTTP: every command as POST /commands/<name>, every read model as a GET, the live feed at /feed (Server-Sent Events)."
  ) {}
