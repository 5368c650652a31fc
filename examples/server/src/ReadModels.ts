/**
 * The read-model endpoints. Every document is served through its read model's `view` for the caller,
 * so what a person may not see is a 404, exactly like what does not exist.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import {
  Actor,
  Deadlines,
  EngagementView,
  MenteeNetwork,
  MentorInbox,
  MentorLoad,
  ProgramMetrics,
  Projections,
  SessionJournal
} from "@stint/core"
import type * as ReadModel from "@stint/core/projection/ReadModel"
import type { InvalidQuery, ListQuery } from "@stint/core/projection/ProjectionStore"
import type { StoreError } from "@stint/core/store/StoreError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CurrentActor, Forbidden, NotFound, StintApi, Unavailable, Unprocessable } from "./Api.js"

const storeFailed = (error: StoreError) => new Unavailable({ message: `the store failed: ${error.message}` })
const queryFailed = (error: InvalidQuery | StoreError) =>
  error._tag === "InvalidQuery"
    ? new Unprocessable({ refusal: "InvalidQuery", message: error.message, details: {} })
    : storeFailed(error)

/** One document as the caller may see it, or 404. */
const one = <D, I, V>(readModel: ReadModel.ReadModel<D, I, V>, key: string, what: string) =>
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

/** A page of documents as the caller may see them. */
const many = <D, I, V>(
  readModel: ReadModel.ReadModel<D, I, V>,
  query: ListQuery,
  params: { readonly limit?: number | undefined; readonly cursor?: string | undefined }
) =>
  Effect.gen(function* () {
    const projections = yield* Projections.Projections
    const viewer = yield* CurrentActor
    const page = yield* projections
      .listView(
        readModel,
        {
          ...query,
          limit: params.limit ?? 50,
          ...(params.cursor === undefined ? {} : { cursor: params.cursor })
        },
        viewer
      )
      .pipe(Effect.mapError(queryFailed))
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
      many(MentorLoad.readModel, { index: "byArea", prefix: [urlParams.area] }, urlParams).pipe(
        // The index lists mentor documents only; the union keeps the types honest.
        Effect.map((page) => ({ ...page, items: page.items.filter((item) => item !== undefined) }))
      )
    )
    .handle("myEngagements", ({ urlParams }) =>
      Effect.flatMap(CurrentActor, (actor) => {
        const userId = Actor.userIdOf(actor) ?? (actor._tag === "Admin" ? actor.userId : undefined)
        if (userId === undefined) return Effect.succeed({ items: [], next: null })
        const index = urlParams.as === "mentor" ? "byMentor" : "byMentee"
        return many(EngagementView.readModel, { index, prefix: [userId], direction: "desc" }, urlParams)
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
        return yield* many(Deadlines.readModel, { index: "due" }, urlParams)
      })
    )
)
