/**
 * MentorInbox: per mentor, what waits on someone — mentees' requests waiting for the mentor's answer
 * (soonest expiry first), and what the mentor put to mentees that waits for theirs: counters, offers
 * and an open extension offer. An item leaves once it is answered, withdrawn or expired.
 *
 * Engagement-stream events after the request do not name the mentor, so the projection keeps one
 * small helper document per engagement (`engagement:<id>`); inboxes are `mentor:<id>`.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import type { Actor } from "../store/Actor.js"
import { Area, EngagementId, UserId } from "../domain/Ids.js"
import { ExtensionTerms, Scope } from "../domain/Scope.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as StreamId from "../store/StreamId.js"

const Time = Schema.DateTimeUtc
const hour = 60 * 60 * 1000

/** Characters of the need kept in an inbox item; the full text is in the engagement's own view. */
export const needSummaryLength = 200

/** A mentee's request waiting for the mentor: agree, counter or decline before `expiresAt`. */
export const PendingRequest = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  area: Area,
  /** The start of the mentee's need, addressed to this mentor. */
  needSummary: Schema.String,
  ask: Scope,
  requestedAt: Time,
  expiresAt: Time
})
export type PendingRequest = typeof PendingRequest.Type

/** A counter the mentor made, waiting for the mentee to agree, decline or withdraw before `expiresAt`. */
export const PendingCounter = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  area: Area,
  needSummary: Schema.String,
  ask: Scope,
  counter: Scope,
  requestedAt: Time,
  counteredAt: Time,
  expiresAt: Time
})
export type PendingCounter = typeof PendingCounter.Type

/** An engagement the mentor offered, waiting for the mentee's answer before `expiresAt`. */
export const PendingOffer = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  area: Area,
  needSummary: Schema.String,
  scope: Scope,
  offeredAt: Time,
  expiresAt: Time
})
export type PendingOffer = typeof PendingOffer.Type

/** More sessions or days the mentor offered in a live engagement, waiting for the mentee (no deadline). */
export const PendingExtension = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  area: Area,
  terms: ExtensionTerms,
  offeredAt: Time
})
export type PendingExtension = typeof PendingExtension.Type

/** One mentor's inbox; every list is ordered by deadline (extensions by when they were offered). */
export const MentorInbox = Schema.TaggedStruct("MentorInbox", {
  mentorId: UserId,
  /** Waiting for the mentor. */
  requests: Schema.Array(PendingRequest),
  /** Waiting for the mentee. */
  counters: Schema.Array(PendingCounter),
  offers: Schema.Array(PendingOffer),
  extensions: Schema.Array(PendingExtension)
})
export type MentorInbox = typeof MentorInbox.Type

/** Helper: links an engagement to its parties. Never served. */
export const EngagementLink = Schema.TaggedStruct("EngagementLink", {
  engagementId: EngagementId,
  mentorId: UserId,
  menteeId: UserId,
  area: Area,
  /** The last engagement-stream version applied (redelivery guard). */
  through: Schema.Int
})
export type EngagementLink = typeof EngagementLink.Type

/** The documents of this projection: inboxes and the engagement links behind them. */
export const Document = Schema.Union(MentorInbox, EngagementLink)
export type Document = typeof Document.Type

/** The id of a mentor's inbox. */
export const inboxId = (mentorId: string): string => `mentor:${mentorId}`
/** The id of an engagement's helper document. */
export const engagementDocumentId = (engagementId: string): string => `engagement:${engagementId}`

/** The first `needSummaryLength` characters of a need (whole code points), with "…" when cut. */
export const summarize = (need: string): string => {
  const chars = Array.from(need)
  if (chars.length <= needSummaryLength) return need
  return `${chars
    .slice(0, needSummaryLength - 1)
    .join("")
    .trimEnd()}…`
}

const millis = DateTime.toEpochMillis
const byDeadline = <A extends { readonly expiresAt: DateTime.Utc; readonly engagementId: string }>(
  items: ReadonlyArray<A>
): ReadonlyArray<A> =>
  [...items].sort(
    (a, b) =>
      millis(a.expiresAt) - millis(b.expiresAt) ||
      (a.engagementId < b.engagementId ? -1 : a.engagementId > b.engagementId ? 1 : 0)
  )
const without = <A extends { readonly engagementId: string }>(items: ReadonlyArray<A>, id: string): ReadonlyArray<A> =>
  items.filter((i) => i.engagementId !== id)

const asInbox = (d: Document | undefined): MentorInbox | undefined => (d?._tag === "MentorInbox" ? d : undefined)
const asLink = (d: Document | undefined): EngagementLink | undefined => (d?._tag === "EngagementLink" ? d : undefined)

const emptyInbox = (mentorId: UserId): MentorInbox => ({
  _tag: "MentorInbox",
  mentorId,
  requests: [],
  counters: [],
  offers: [],
  extensions: []
})

/** Takes an engagement out of every pending list (it was answered, withdrawn or expired). */
const resolved = (inbox: MentorInbox, id: string): MentorInbox => ({
  ...inbox,
  requests: without(inbox.requests, id),
  counters: without(inbox.counters, id),
  offers: without(inbox.offers, id)
})

const apply = (
  envelope: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const { event, record } = envelope
  const linkId = engagementDocumentId(StreamId.idOf(record.streamId))
  if (event._tag === "EngagementRequested") {
    if (documents.get(linkId) !== undefined) return []
    const inbox = asInbox(documents.get(inboxId(event.mentorId))) ?? emptyInbox(event.mentorId)
    const base = {
      engagementId: event.engagementId,
      menteeId: event.menteeId,
      area: event.area,
      needSummary: summarize(event.need)
    }
    const next: MentorInbox =
      event.initiator === "mentee"
        ? {
            ...inbox,
            requests: byDeadline([
              ...inbox.requests,
              { ...base, ask: event.ask, requestedAt: event.requestedAt, expiresAt: event.expiresAt }
            ])
          }
        : {
            ...inbox,
            offers: byDeadline([
              ...inbox.offers,
              { ...base, scope: event.ask, offeredAt: event.requestedAt, expiresAt: event.expiresAt }
            ])
          }
    const link: EngagementLink = {
      _tag: "EngagementLink",
      engagementId: event.engagementId,
      mentorId: event.mentorId,
      menteeId: event.menteeId,
      area: event.area,
      through: record.version
    }
    return [Projection.put(linkId, link), Projection.put(inboxId(event.mentorId), next)]
  }
  const link = asLink(documents.get(linkId))
  if (link === undefined || record.version <= link.through) return []
  const inbox = asInbox(documents.get(inboxId(link.mentorId)))
  if (inbox === undefined) return []
  const id = link.engagementId
  const update = (next: MentorInbox): ReadonlyArray<Projection.Change<Document>> => [
    Projection.put(linkId, { ...link, through: record.version }),
    Projection.put(inboxId(link.mentorId), next)
  ]
  switch (event._tag) {
    case "ScopeCountered": {
      const request = inbox.requests.find((r) => r.engagementId === id)
      if (request === undefined) return []
      const counter: PendingCounter = {
        ...request,
        counter: event.scope,
        counteredAt: event.counteredAt,
        expiresAt: event.expiresAt
      }
      return update({
        ...inbox,
        requests: without(inbox.requests, id),
        counters: byDeadline([...inbox.counters, counter])
      })
    }
    case "EngagementAgreed":
    case "EngagementDeclined":
    case "RequestWithdrawn":
    case "RequestExpired":
      return update(resolved(inbox, id))
    case "ExtensionOffered": {
      const extension: PendingExtension = {
        engagementId: id,
        menteeId: link.menteeId,
        area: link.area,
        terms: event.terms,
        offeredAt: event.offeredAt
      }
      return update({ ...inbox, extensions: [...without(inbox.extensions, id), extension] })
    }
    case "ExtensionAccepted":
    case "ExtensionDeclined":
    case "EngagementClosed":
      return update({ ...inbox, extensions: without(inbox.extensions, id) })
    default:
      return []
  }
}

/** The events MentorInbox reads. */
export const handles = [
  "EngagementRequested",
  "ScopeCountered",
  "EngagementAgreed",
  "EngagementDeclined",
  "RequestWithdrawn",
  "RequestExpired",
  "ExtensionOffered",
  "ExtensionAccepted",
  "ExtensionDeclined",
  "EngagementClosed"
] as const

/**
 * The MentorInbox projection. Index `awaitingMentor`: `[epoch millis of the soonest request expiry]`
 * for inboxes with requests waiting for the mentor — "which mentors must answer soonest" (reminders).
 */
export const projection = Projection.make({
  name: "mentor-inbox",
  version: 1,
  handles,
  document: Document,
  apply,
  indexes: {
    awaitingMentor: (d) =>
      d._tag === "MentorInbox" && d.requests.length > 0 ? [millis(d.requests[0]!.expiresAt)] : undefined
  }
})

/** The mentor themselves, admins and the system see the inbox; nobody else does. Links are never served. */
export const view = (document: Document, _id: string, viewer: Actor): MentorInbox | undefined => {
  if (document._tag !== "MentorInbox") return undefined
  return viewer._tag !== "User" || viewer.userId === document.mentorId ? document : undefined
}

/** The MentorInbox read model: the projection and its per-viewer view. */
export const readModel = ReadModel.make(projection, view, { documentId: inboxId })

/** Whole hours left before an item's deadline at `now` (0 once it has passed). */
export const hoursLeft = (item: { readonly expiresAt: DateTime.Utc }, now: DateTime.Utc): number =>
  Math.max(0, Math.floor((millis(item.expiresAt) - millis(now)) / hour))

/**
 * The requests the mentor can still answer at `now`: a request past its deadline can no longer be
 * agreed or countered (INV-09), even before the deadline process writes `RequestExpired`.
 */
export const answerableRequests = (inbox: MentorInbox, now: DateTime.Utc): ReadonlyArray<PendingRequest> =>
  inbox.requests.filter((r) => DateTime.lessThan(now, r.expiresAt))
