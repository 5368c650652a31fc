/**
 * MentorLoad: per mentor, how loaded they are and how they answer — areas, capacity, seats held,
 * sessions still committed, utilisation, pause, median time to respond, recent sessions and the
 * mentees' average rating. It serves "who can take a request in this area, least loaded first" and
 * "who is at capacity".
 *
 * Engagement-stream events do not name the mentor, so the projection keeps one small helper document
 * per engagement (`engagement:<id>`) linking it to its mentor; mentor documents are `mentor:<id>`.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import type { Actor } from "../store/Actor.js"
import { Area, EngagementId, SessionId, UserId } from "../domain/Ids.js"
import { Capacity } from "../domain/Policy.js"
import { Initiator } from "../engagement/EngagementEvent.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as ProgramMetrics from "./ProgramMetrics.js"
import * as StreamId from "../store/StreamId.js"

const Time = Schema.DateTimeUtc
const day = 24 * 60 * 60 * 1000
const minute = 60 * 1000

/** How far back `recentSessions` reaches from the newest event a mentor document saw. */
export const recentDays = 30

/** One engagement holding a seat: the sessions the seat commits and those held (not retracted) so far. */
export const Seat = Schema.Struct({
  engagementId: EngagementId,
  committed: Schema.Int,
  held: Schema.Int
})
export type Seat = typeof Seat.Type

/** How many first responses took this many whole minutes: an exact histogram, so the median is exact. */
export const ResponseBucket = Schema.Struct({ minutes: Schema.Int, count: Schema.Int })
export type ResponseBucket = typeof ResponseBucket.Type

/** A session held (and not retracted) recently enough to count towards `sessionsInLast30Days`. */
export const RecentSession = Schema.Struct({ sessionId: SessionId, heldAt: Time })
export type RecentSession = typeof RecentSession.Type

/**
 * Load as fractions of capacity: seats held over the engagement limit, sessions committed over the
 * session limit, and `overall`, the larger of the two (the limit that binds first). A zero limit
 * counts as full (1); a lowered limit can leave a value above 1.
 */
export const Utilisation = Schema.Struct({
  engagements: Schema.Number,
  sessions: Schema.Number,
  overall: Schema.Number
})
export type Utilisation = typeof Utilisation.Type

/** One mentor's load. Fields after `recentSessions` are derived from those before, on every change. */
export const MentorLoad = Schema.TaggedStruct("MentorLoad", {
  mentorId: UserId,
  areas: Schema.Array(Area),
  capacity: Capacity,
  paused: Schema.Boolean,
  /** The seat ledger: engagements agreed and not closed. */
  seats: Schema.Array(Seat),
  /** First responses to mentee requests (counter, agree or decline), by whole minutes taken. */
  responseMinutes: Schema.Array(ResponseBucket),
  /** Sessions held across all engagements, minus retracted ones. */
  sessionsHeld: Schema.Int,
  /** Sessions held within `recentDays` of `newestAt`, oldest first. */
  recentSessions: Schema.Array(RecentSession),
  /** Sum and count of the ratings mentees gave in feedback (comments are never kept). */
  ratingSum: Schema.Int,
  ratingCount: Schema.Int,
  /** The time of the newest event applied to this document (event time, never a clock). */
  newestAt: Time,
  /** The last mentor-stream version applied (redelivery guard). */
  through: Schema.Int,
  /** Seats held: engagements agreed and not closed. */
  active: Schema.Int,
  /** Sessions the seats commit: what the capacity's session limit counts. */
  committedSessions: Schema.Int,
  /** Sessions committed and not yet held in the active engagements. */
  committedSessionsRemaining: Schema.Int,
  utilisation: Utilisation,
  /** No room for one more engagement of one session: a seat or a session limit is reached. */
  atCapacity: Schema.Boolean,
  /** Not paused and not at capacity: a request now could be agreed. */
  accepting: Schema.Boolean,
  /** Median minutes from a mentee's request to the mentor's first response; null before any. */
  medianResponseMinutes: Schema.NullOr(Schema.Int),
  /** Mean rating from mentees; null before any. */
  averageRating: Schema.NullOr(Schema.Number)
})
export type MentorLoad = typeof MentorLoad.Type

/** Helper: links an engagement to its mentor, with what response times and seats need. Never served. */
export const EngagementLink = Schema.TaggedStruct("EngagementLink", {
  engagementId: EngagementId,
  mentorId: UserId,
  initiator: Initiator,
  requestedAt: Time,
  /** Whether the mentor's first response was already counted. */
  responded: Schema.Boolean,
  /** Sessions held and not retracted. */
  held: Schema.Int,
  /** The last engagement-stream version applied (redelivery guard). */
  through: Schema.Int
})
export type EngagementLink = typeof EngagementLink.Type

/** The documents of this projection: mentor loads and the engagement links behind them. */
export const Document = Schema.Union(MentorLoad, EngagementLink)
export type Document = typeof Document.Type

/** The id of a mentor's document. */
export const mentorDocumentId = (mentorId: string): string => `mentor:${mentorId}`
/** The id of an engagement's helper document. */
export const engagementDocumentId = (engagementId: string): string => `engagement:${engagementId}`

const ratio = (used: number, limit: number): number => (limit <= 0 ? 1 : used / limit)

/** The nearest-rank median (the lower middle value for an even count), as ProgramMetrics reports it. */
const median = (buckets: ReadonlyArray<ResponseBucket>): number | null => ProgramMetrics.median(buckets) ?? null

/** Recomputes the derived fields and drops sessions older than the recent window. */
const settle = (m: MentorLoad): MentorLoad => {
  const active = m.seats.length
  const committedSessions = m.seats.reduce((n, s) => n + s.committed, 0)
  const committedSessionsRemaining = m.seats.reduce((n, s) => n + Math.max(0, s.committed - s.held), 0)
  const engagements = ratio(active, m.capacity.engagements)
  const sessions = ratio(committedSessions, m.capacity.sessions)
  const atCapacity = active >= m.capacity.engagements || committedSessions >= m.capacity.sessions
  const from = DateTime.toEpochMillis(m.newestAt) - recentDays * day
  return {
    ...m,
    recentSessions: m.recentSessions.filter((s) => DateTime.toEpochMillis(s.heldAt) >= from),
    active,
    committedSessions,
    committedSessionsRemaining,
    utilisation: { engagements, sessions, overall: Math.max(engagements, sessions) },
    atCapacity,
    accepting: !m.paused && !atCapacity,
    medianResponseMinutes: median(m.responseMinutes),
    averageRating: m.ratingCount === 0 ? null : m.ratingSum / m.ratingCount
  }
}

/** Applies a change seen at `at` to a mentor document and settles it. */
const change = (m: MentorLoad, at: DateTime.Utc, f: (m: MentorLoad) => MentorLoad): Projection.Change<Document> => {
  const next = f(m)
  return Projection.put(mentorDocumentId(m.mentorId), settle({ ...next, newestAt: DateTime.max(m.newestAt, at) }))
}

const withResponse = (buckets: ReadonlyArray<ResponseBucket>, minutes: number): ReadonlyArray<ResponseBucket> => {
  const found = buckets.some((b) => b.minutes === minutes)
  const next = found
    ? buckets.map((b) => (b.minutes === minutes ? { minutes, count: b.count + 1 } : b))
    : [...buckets, { minutes, count: 1 }]
  return [...next].sort((a, b) => a.minutes - b.minutes)
}

const withHeld = (m: MentorLoad, engagementId: EngagementId, held: number): MentorLoad => ({
  ...m,
  seats: m.seats.map((s) => (s.engagementId === engagementId ? { ...s, held } : s))
})

const asMentor = (d: Document | undefined): MentorLoad | undefined => (d?._tag === "MentorLoad" ? d : undefined)
const asLink = (d: Document | undefined): EngagementLink | undefined => (d?._tag === "EngagementLink" ? d : undefined)

/** The changes of an event of a mentor stream, once per stream version. */
const applyMentor = (
  envelope: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const { event, record } = envelope
  const id = StreamId.idOf(record.streamId)
  if (event._tag === "MentorRegistered") {
    if (documents.get(mentorDocumentId(id)) !== undefined) return []
    const registered: MentorLoad = settle({
      _tag: "MentorLoad",
      mentorId: event.mentorId,
      areas: event.areas,
      capacity: event.capacity,
      paused: false,
      seats: [],
      responseMinutes: [],
      sessionsHeld: 0,
      recentSessions: [],
      ratingSum: 0,
      ratingCount: 0,
      newestAt: event.registeredAt,
      through: record.version,
      active: 0,
      committedSessions: 0,
      committedSessionsRemaining: 0,
      utilisation: { engagements: 0, sessions: 0, overall: 0 },
      atCapacity: false,
      accepting: true,
      medianResponseMinutes: null,
      averageRating: null
    })
    return [Projection.put(mentorDocumentId(id), registered)]
  }
  const m = asMentor(documents.get(mentorDocumentId(id)))
  if (m === undefined || record.version <= m.through) return []
  const through = record.version
  switch (event._tag) {
    case "ExpertiseChanged":
      return [change(m, event.changedAt, (x) => ({ ...x, areas: event.areas, through }))]
    case "CapacityChanged":
      return [change(m, event.changedAt, (x) => ({ ...x, capacity: event.capacity, through }))]
    case "MentoringPaused":
      return [change(m, event.pausedAt, (x) => ({ ...x, paused: true, through }))]
    case "MentoringResumed":
      return [change(m, event.resumedAt, (x) => ({ ...x, paused: false, through }))]
    case "SeatReserved": {
      const held = asLink(documents.get(engagementDocumentId(event.engagementId)))?.held ?? 0
      const seat: Seat = { engagementId: event.engagementId, committed: event.sessions, held }
      return [
        change(m, event.reservedAt, (x) => ({
          ...x,
          seats: [...x.seats.filter((s) => s.engagementId !== event.engagementId), seat],
          through
        }))
      ]
    }
    case "SeatAdjusted":
      return [
        change(m, event.adjustedAt, (x) => ({
          ...x,
          seats: x.seats.map((s) => (s.engagementId === event.engagementId ? { ...s, committed: event.sessions } : s)),
          through
        }))
      ]
    case "SeatReleased":
      return [
        change(m, event.releasedAt, (x) => ({
          ...x,
          seats: x.seats.filter((s) => s.engagementId !== event.engagementId),
          through
        }))
      ]
    default:
      return []
  }
}

/** The changes of an event of an engagement stream, once per stream version. */
const applyEngagement = (
  envelope: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const { event, record } = envelope
  const linkId = engagementDocumentId(StreamId.idOf(record.streamId))
  if (event._tag === "EngagementRequested") {
    if (documents.get(linkId) !== undefined) return []
    const link: EngagementLink = {
      _tag: "EngagementLink",
      engagementId: event.engagementId,
      mentorId: event.mentorId,
      initiator: event.initiator,
      requestedAt: event.requestedAt,
      responded: false,
      held: 0,
      through: record.version
    }
    return [Projection.put(linkId, link)]
  }
  const link = asLink(documents.get(linkId))
  if (link === undefined || record.version <= link.through) return []
  const m = asMentor(documents.get(mentorDocumentId(link.mentorId)))
  const linked = (l: EngagementLink): Projection.Change<Document> =>
    Projection.put(linkId, { ...l, through: record.version })
  // The mentor's first answer to a mentee's request, in whole minutes since it was asked.
  const respond = (at: DateTime.Utc): ReadonlyArray<Projection.Change<Document>> => {
    if (link.initiator !== "mentee" || link.responded) return []
    const minutes = Math.max(0, Math.floor(DateTime.distance(link.requestedAt, at) / minute))
    return [
      linked({ ...link, responded: true }),
      ...(m === undefined
        ? []
        : [change(m, at, (x) => ({ ...x, responseMinutes: withResponse(x.responseMinutes, minutes) }))])
    ]
  }
  switch (event._tag) {
    case "ScopeCountered":
      return respond(event.counteredAt)
    case "EngagementAgreed":
      return event.agreedBy === "mentor" ? respond(event.agreedAt) : []
    case "EngagementDeclined":
      return event.declinedBy === "mentor" ? respond(event.declinedAt) : []
    case "SessionHeld": {
      const held = link.held + 1
      return [
        linked({ ...link, held }),
        ...(m === undefined
          ? []
          : [
              change(m, event.recordedAt, (x) => ({
                ...withHeld(x, link.engagementId, held),
                sessionsHeld: x.sessionsHeld + 1,
                recentSessions: [...x.recentSessions, { sessionId: event.sessionId, heldAt: event.heldAt }].sort(
                  (a, b) => DateTime.toEpochMillis(a.heldAt) - DateTime.toEpochMillis(b.heldAt)
                )
              }))
            ])
      ]
    }
    case "SessionRetracted": {
      const held = Math.max(0, link.held - 1)
      return [
        linked({ ...link, held }),
        ...(m === undefined
          ? []
          : [
              change(m, event.retractedAt, (x) => ({
                ...withHeld(x, link.engagementId, held),
                sessionsHeld: Math.max(0, x.sessionsHeld - 1),
                recentSessions: x.recentSessions.filter((s) => s.sessionId !== event.sessionId)
              }))
            ])
      ]
    }
    case "FeedbackGiven":
      // Only the mentee's rating of the mentor counts; the mentor's rating of the mentee is not theirs.
      if (event.givenBy !== "mentee") return []
      return [
        linked(link),
        ...(m === undefined
          ? []
          : [
              change(m, event.givenAt, (x) => ({
                ...x,
                ratingSum: x.ratingSum + event.rating,
                ratingCount: x.ratingCount + 1
              }))
            ])
      ]
    default:
      return []
  }
}

/** The events MentorLoad reads. */
export const handles = [
  "MentorRegistered",
  "ExpertiseChanged",
  "CapacityChanged",
  "MentoringPaused",
  "MentoringResumed",
  "SeatReserved",
  "SeatAdjusted",
  "SeatReleased",
  "EngagementRequested",
  "ScopeCountered",
  "EngagementAgreed",
  "EngagementDeclined",
  "SessionHeld",
  "SessionRetracted",
  "FeedbackGiven"
] as const

/**
 * The MentorLoad projection. Indexes:
 * - `byArea`: `[area, utilisation.overall]` for each area of a mentor who is not paused — "who can
 *   take a request in this area, least loaded first";
 * - `atCapacity`: `[mentorId]` for mentors with no room left — "who is at capacity".
 */
export const projection = Projection.make({
  name: "mentor-load",
  version: 1,
  handles,
  document: Document,
  apply: (envelope, documents) =>
    StreamId.category(envelope.record.streamId) === "mentor"
      ? applyMentor(envelope, documents)
      : applyEngagement(envelope, documents),
  indexes: {
    byArea: (d) => (d._tag === "MentorLoad" && !d.paused ? d.areas.map((a) => [a, d.utilisation.overall]) : undefined),
    atCapacity: (d) => (d._tag === "MentorLoad" && d.atCapacity ? [d.mentorId] : undefined)
  }
})

/** What any signed-in user may see of a mentor: enough to choose whom to ask. */
export const PublicMentorLoad = Schema.Struct({
  mentorId: UserId,
  areas: Schema.Array(Area),
  paused: Schema.Boolean,
  accepting: Schema.Boolean
})
export type PublicMentorLoad = typeof PublicMentorLoad.Type

/**
 * The mentor themselves, admins and the system see the whole document (seats, response times,
 * ratings). Other users see only the public subset — areas, paused, accepting — because a mentee
 * choosing a mentor needs to know whether asking can succeed, not the mentor's ledger or ratings.
 * Engagement links are never served.
 */
export const view = (document: Document, _id: string, viewer: Actor): MentorLoad | PublicMentorLoad | undefined => {
  if (document._tag !== "MentorLoad") return undefined
  if (viewer._tag !== "User" || viewer.userId === document.mentorId) return document
  return {
    mentorId: document.mentorId,
    areas: document.areas,
    paused: document.paused,
    accepting: document.accepting
  }
}

/** The MentorLoad read model: the projection and its per-viewer view. */
export const readModel = ReadModel.make(projection, view, { documentId: mentorDocumentId })

/**
 * Sessions held in the 30 days up to `now` (inclusive). Exact when `now` is at or after the newest
 * event the document saw; older sessions were dropped then.
 */
export const sessionsInLast30Days = (document: MentorLoad, now: DateTime.Utc): number => {
  const to = DateTime.toEpochMillis(now)
  const from = to - recentDays * day
  return document.recentSessions.filter((s) => {
    const t = DateTime.toEpochMillis(s.heldAt)
    return t >= from && t <= to
  }).length
}
