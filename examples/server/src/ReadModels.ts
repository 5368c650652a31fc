/**
 * The read-model endpoints. Every document is served through its read model's `view` for the caller,
 * so what a person may not see is a 404, exactly like what does not exist.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import {
  Actor,
  EngagementView,
  MenteeNetwork,
  MentorInbox,
  MentorLoad,
  ProgramMetrics,
  Projections,
  Queries,
  SessionJournal
} from "@stint/core"
import type * as ReadModel from "@stint/core/ReadModel"
import type { Page } from "@stint/core/ProjectionStore"
import type { StoreError } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CurrentActor, Forbidden, NotFound, StintApi, Unavailable, Unprocessable } from "./Api.js"

const storeFailed = (error: StoreError) => new Unavailable({ message: `the store failed: ${error.message}` })
const queryFailed = (error: Queries.QueryError) =>
  error._tag === "InvalidQuery"
    ? new Unprocessable({ refusal: "InvalidQuery", message: error.message, details: {} })
    : storeFailed(error)

/** One document as the caller may see it, or 404. */
const one = <D, I, V, Ix extends string>(readModel: ReadModel.ReadModel<D, I, V, Ix>, key: string, what: string) =>
  Effect.gen(function* () {
    const projections = yield* Projections.Projections
    const viewer = yield* CurrentActor
    const seen = yield* projections.view(readModel, key, viewer).pipe(Effect.mapError(storeFailed))
    if (Option.isNone(seen)) {
      return yield* new NotFound({
        message: key === "" ? `no ${what} you may see` : `no ${what} ${JSON.stringify(key)} you may see`
      })
    }
    return seen.value
  })

/** A page of one of the core's named queries, as the caller, in the API's shape (50 by default). */
const many = <V>(
  query: (
    viewer: Actor.Actor,
    page: Queries.PageOptions
  ) => Effect.Effect<Page<V>, Queries.QueryError, Projections.Projections>,
  params: { readonly limit?: number | undefined; readonly cursor?: string | undefined }
) =>
  Effect.gen(function* () {
    const viewer = yield* CurrentActor
    const page = yield* query(viewer, { limit: params.limit ?? 50, cursor: params.cursor }).pipe(
      Effect.mapError(queryFailed)
    )
    return { items: page.items.map((item) => item.document), next: page.next ?? null }
  })

export const layer = HttpApiBuilder.group(StintApi, "readModels", (handlers) =>
  handlers
    .handle("engagement", ({ path }) => one(EngagementView.readModel, path.engagementId, "engagement"))
    .handle("journal", ({ path }) => one(SessionJournal.readModel, path.engagementId, "journal of engagement"))
    .handle("mentorLoad", ({ path }) => one(MentorLoad.readModel, path.userId, "mentor"))
    .handle("mentorInbox", ({ path }) => one(MentorInbox.readModel, path.userId, "inbox of mentor"))
    .handle("menteeNetwork", ({ path }) => one(MenteeNetwork.readModel, path.userId, "network of mentee"))
    .handle("programme", () => one(ProgramMetrics.readModel, "", "programme"))
    .handle("mentors", ({ urlParams }) =>
      many((viewer, page) => Queries.mentorsInArea(urlParams.area, viewer, page), urlParams)
    )
    .handle("myEngagements", ({ urlParams }) =>
      Effect.flatMap(CurrentActor, (actor) => {
        const userId = Actor.userIdOf(actor) ?? (actor._tag === "Admin" ? actor.userId : undefined)
        if (userId === undefined) return Effect.succeed({ items: [], next: null })
        const role = urlParams.as === "mentor" ? "mentor" : "mentee"
        return many((viewer, page) => Queries.engagementsOf(userId, role, viewer, page), urlParams)
      })
    )
    .handle("deadlines", ({ urlParams }) =>
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        if (actor._tag === "User") {
          return yield* new Forbidden({
            refusal: "NotAllowed",
            message: "only programme staff see all deadlines",
            details: {}
          })
        }
        return yield* many(Queries.deadlines, urlParams)
      })
    )
)
