/**
 * The named queries every host serves, over the built-in read models: which index answers each, in
 * which order, and through which read model's `view`, written once. Each returns a page of documents
 * as the viewer may see them (what they may not see is left out, never an error).
 *
 * ```ts
 * const page = yield* Queries.mentorsInArea(Area.make("typescript"), viewer, { limit: 20 })
 * ```
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Actor from "./store/Actor.js"
import type { Area, UserId } from "./domain/Ids.js"
import { Projections, type Query } from "./projection/Projections.js"
import type { InvalidQuery, Page } from "./projection/ProjectionStore.js"
import * as Deadlines from "./readmodel/Deadlines.js"
import * as EngagementView from "./readmodel/EngagementView.js"
import * as MentorLoad from "./readmodel/MentorLoad.js"
import type { StoreError } from "./store/StoreError.js"

/** Which page of a list: at most `limit` (default 50, at most 1000) after the `cursor` of the last page. */
export interface PageOptions {
  readonly limit?: number | undefined
  readonly cursor?: string | undefined
}

/** Which side of their engagements a user lists. */
export type Role = "mentor" | "mentee"

/** Why a query fails: a bad page (`InvalidQuery`: a limit out of range, a cursor not from this list) or the store. */
export type QueryError = InvalidQuery | StoreError

const paged = (page: PageOptions): Pick<Query, "limit" | "cursor"> => ({
  ...(page.limit === undefined ? {} : { limit: page.limit }),
  ...(page.cursor === undefined ? {} : { cursor: page.cursor })
})

/** Mentors who offer `area` and are not paused, least loaded first (others than the mentor see the public part). */
export const mentorsInArea = (
  area: Area,
  viewer: Actor.Actor,
  page: PageOptions = {}
): Effect.Effect<Page<MentorLoad.MentorLoad | MentorLoad.PublicMentorLoad>, QueryError, Projections> =>
  Effect.flatMap(Projections, (projections) =>
    projections.listView(MentorLoad.readModel, { index: "byArea", prefix: [area], ...paged(page) }, viewer)
  ).pipe(Effect.withSpan("Queries.mentorsInArea"))

/** A user's engagements as mentor or as mentee, newest request first (a viewer who is no party sees none). */
export const engagementsOf = (
  userId: UserId,
  role: Role,
  viewer: Actor.Actor,
  page: PageOptions = {}
): Effect.Effect<Page<EngagementView.Document>, QueryError, Projections> =>
  Effect.flatMap(Projections, (projections) =>
    projections.listView(
      EngagementView.readModel,
      { index: role === "mentor" ? "byMentor" : "byMentee", prefix: [userId], direction: "desc", ...paged(page) },
      viewer
    )
  ).pipe(Effect.withSpan("Queries.engagementsOf"))

/** What falls due, earliest first: every deadline for staff, a user's own for a user. */
export const deadlines = (
  viewer: Actor.Actor,
  page: PageOptions = {}
): Effect.Effect<Page<Deadlines.Deadline>, QueryError, Projections> =>
  Effect.flatMap(Projections, (projections) =>
    projections.listView(Deadlines.readModel, { index: "due", ...paged(page) }, viewer)
  ).pipe(Effect.withSpan("Queries.deadlines"))

/**
 * The deadlines of one kind due at or before `at`, oldest first: what the deadline process acts on
 * (read as the system, which sees them all).
 */
export const dueDeadlines = (
  kind: Deadlines.DeadlineKind,
  at: DateTime.DateTime,
  page: PageOptions = {}
): Effect.Effect<Page<Deadlines.Deadline>, QueryError, Projections> =>
  Effect.flatMap(Projections, (projections) =>
    projections.listView(
      Deadlines.readModel,
      // Due at or before `at`: the deciders accept the command from `dueAt` on.
      { index: "due", prefix: [kind], range: { lt: DateTime.toEpochMillis(at) + 1 }, ...paged(page) },
      Actor.system
    )
  ).pipe(Effect.withSpan("Queries.dueDeadlines"))
