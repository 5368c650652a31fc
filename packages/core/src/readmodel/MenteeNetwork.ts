/**
 * MenteeNetwork: per mentee, their board of advisors — each mentor they agreed an engagement with,
 * by area, with engagements, sessions and goals met — the totals, the areas of interest still without
 * a mentor, and how many requests and offers wait for an answer.
 *
 * Engagement-stream events after the request do not name the mentee, so the projection keeps one
 * small helper document per engagement (`engagement:<id>`); networks are `mentee:<id>`.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "../store/Actor.js"
import { Area, EngagementId, UserId } from "../domain/Ids.js"
import { Initiator } from "../engagement/EngagementEvent.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as StreamId from "../store/StreamId.js"

/**
 * One mentor in one area on the mentee's board: there from the first agreed engagement (a request
 * that was never agreed puts nobody on the board).
 */
export const Advisor = Schema.Struct({
  mentorId: UserId,
  area: Area,
  /** Engagements agreed with this mentor in this area. */
  engagements: Schema.Int,
  /** The engagement agreed and not closed, if any (at most one per pair, INV-10). */
  live: Schema.NullOr(EngagementId),
  completed: Schema.Int,
  endedEarly: Schema.Int,
  /** Sessions held, minus retracted ones. */
  sessionsHeld: Schema.Int,
  goalsMet: Schema.Int
})
export type Advisor = typeof Advisor.Type

/** Sums over the whole board. */
export const Totals = Schema.Struct({
  /** Distinct mentors on the board. */
  mentors: Schema.Int,
  engagements: Schema.Int,
  live: Schema.Int,
  completed: Schema.Int,
  endedEarly: Schema.Int,
  sessionsHeld: Schema.Int,
  goalsMet: Schema.Int
})
export type Totals = typeof Totals.Type

/** One mentee's network. `totals` and `areasWithoutMentor` are derived on every change. */
export const MenteeNetwork = Schema.TaggedStruct("MenteeNetwork", {
  menteeId: UserId,
  /** The areas the mentee declared they want help in (latest declaration). */
  interests: Schema.Array(Area),
  /** The board, ordered by area, then mentor. */
  advisors: Schema.Array(Advisor),
  /** Requests the mentee made that wait for an answer (what the open-request limit counts). */
  openRequests: Schema.Int,
  /** Engagements mentors offered that wait for the mentee's answer. */
  openOffers: Schema.Int,
  /** Interests with no live or completed engagement in that area (ended early does not count). */
  areasWithoutMentor: Schema.Array(Area),
  totals: Totals,
  /** The last mentee-stream version applied (redelivery guard). */
  through: Schema.Int
})
export type MenteeNetwork = typeof MenteeNetwork.Type

/** Where an engagement stands, as far as the network cares. */
export const LinkStatus = Schema.Literal("pending", "live", "closed", "unagreed")
export type LinkStatus = typeof LinkStatus.Type

/** Helper: links an engagement to its parties and area. Never served. */
export const EngagementLink = Schema.TaggedStruct("EngagementLink", {
  engagementId: EngagementId,
  menteeId: UserId,
  mentorId: UserId,
  area: Area,
  initiator: Initiator,
  status: LinkStatus,
  /** The last engagement-stream version applied (redelivery guard). */
  through: Schema.Int
})
export type EngagementLink = typeof EngagementLink.Type

/** The documents of this projection: networks and the engagement links behind them. */
export const Document = Schema.Union(MenteeNetwork, EngagementLink)
export type Document = typeof Document.Type

/** The id of a mentee's network. */
export const networkId = (menteeId: string): string => `mentee:${menteeId}`
/** The id of an engagement's helper document. */
export const engagementDocumentId = (engagementId: string): string => `engagement:${engagementId}`

const asNetwork = (d: Document | undefined): MenteeNetwork | undefined => (d?._tag === "MenteeNetwork" ? d : undefined)
const asLink = (d: Document | undefined): EngagementLink | undefined => (d?._tag === "EngagementLink" ? d : undefined)

const emptyTotals: Totals = {
  mentors: 0,
  engagements: 0,
  live: 0,
  completed: 0,
  endedEarly: 0,
  sessionsHeld: 0,
  goalsMet: 0
}

const emptyNetwork = (menteeId: UserId): MenteeNetwork => ({
  _tag: "MenteeNetwork",
  menteeId,
  interests: [],
  advisors: [],
  openRequests: 0,
  openOffers: 0,
  areasWithoutMentor: [],
  totals: emptyTotals,
  through: 0
})

const decodeUserId = Schema.decodeUnknownOption(UserId)
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Orders the board and recomputes the derived fields. */
const settle = (n: MenteeNetwork): MenteeNetwork => {
  const advisors = [...n.advisors].sort((a, b) => compare(a.area, b.area) || compare(a.mentorId, b.mentorId))
  const covered = new Set(advisors.filter((a) => a.live !== null || a.completed > 0).map((a) => a.area))
  const totals = advisors.reduce(
    (t, a) => ({
      mentors: t.mentors,
      engagements: t.engagements + a.engagements,
      live: t.live + (a.live === null ? 0 : 1),
      completed: t.completed + a.completed,
      endedEarly: t.endedEarly + a.endedEarly,
      sessionsHeld: t.sessionsHeld + a.sessionsHeld,
      goalsMet: t.goalsMet + a.goalsMet
    }),
    { ...emptyTotals, mentors: new Set(advisors.map((a) => a.mentorId)).size }
  )
  return { ...n, advisors, areasWithoutMentor: n.interests.filter((a) => !covered.has(a)), totals }
}

/** Changes the board entry of the link's mentor and area (creating it when `create` says so). */
const onAdvisor = (
  n: MenteeNetwork,
  link: EngagementLink,
  f: (a: Advisor) => Advisor,
  create = false
): MenteeNetwork => {
  const same = (a: Advisor) => a.mentorId === link.mentorId && a.area === link.area
  const found = n.advisors.some(same)
  if (!found && !create) return n
  const fresh: Advisor = {
    mentorId: link.mentorId,
    area: link.area,
    engagements: 0,
    live: null,
    completed: 0,
    endedEarly: 0,
    sessionsHeld: 0,
    goalsMet: 0
  }
  return { ...n, advisors: found ? n.advisors.map((a) => (same(a) ? f(a) : a)) : [...n.advisors, f(fresh)] }
}

/** A pending engagement stops waiting: the open count it was in goes down. */
const unpend = (n: MenteeNetwork, link: EngagementLink): MenteeNetwork =>
  link.initiator === "mentee"
    ? { ...n, openRequests: Math.max(0, n.openRequests - 1) }
    : { ...n, openOffers: Math.max(0, n.openOffers - 1) }

const apply = (
  envelope: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const { event, record } = envelope
  if (event._tag === "InterestsDeclared") {
    const menteeId = Option.getOrUndefined(decodeUserId(StreamId.idOf(record.streamId)))
    if (menteeId === undefined) return []
    const current = asNetwork(documents.get(networkId(menteeId)))
    if (current !== undefined && record.version <= current.through) return []
    const base = current ?? emptyNetwork(menteeId)
    return [Projection.put(networkId(menteeId), settle({ ...base, interests: event.areas, through: record.version }))]
  }
  const linkId = engagementDocumentId(StreamId.idOf(record.streamId))
  if (event._tag === "EngagementRequested") {
    if (documents.get(linkId) !== undefined) return []
    const network = asNetwork(documents.get(networkId(event.menteeId))) ?? emptyNetwork(event.menteeId)
    const link: EngagementLink = {
      _tag: "EngagementLink",
      engagementId: event.engagementId,
      menteeId: event.menteeId,
      mentorId: event.mentorId,
      area: event.area,
      initiator: event.initiator,
      status: "pending",
      through: record.version
    }
    const next =
      event.initiator === "mentee"
        ? { ...network, openRequests: network.openRequests + 1 }
        : { ...network, openOffers: network.openOffers + 1 }
    return [Projection.put(linkId, link), Projection.put(networkId(event.menteeId), settle(next))]
  }
  const link = asLink(documents.get(linkId))
  if (link === undefined || record.version <= link.through) return []
  const network = asNetwork(documents.get(networkId(link.menteeId)))
  if (network === undefined) return []
  const update = (status: LinkStatus, next: MenteeNetwork): ReadonlyArray<Projection.Change<Document>> => [
    Projection.put(linkId, { ...link, status, through: record.version }),
    Projection.put(networkId(link.menteeId), settle(next))
  ]
  switch (event._tag) {
    case "EngagementAgreed":
      if (link.status !== "pending") return []
      return update(
        "live",
        onAdvisor(
          unpend(network, link),
          link,
          (a) => ({ ...a, engagements: a.engagements + 1, live: link.engagementId }),
          true
        )
      )
    case "EngagementDeclined":
    case "RequestWithdrawn":
    case "RequestExpired":
      if (link.status !== "pending") return []
      return update("unagreed", unpend(network, link))
    case "SessionHeld":
      return update(
        link.status,
        onAdvisor(network, link, (a) => ({ ...a, sessionsHeld: a.sessionsHeld + 1 }))
      )
    case "SessionRetracted":
      return update(
        link.status,
        onAdvisor(network, link, (a) => ({ ...a, sessionsHeld: Math.max(0, a.sessionsHeld - 1) }))
      )
    case "GoalMet":
      return update(
        link.status,
        onAdvisor(network, link, (a) => ({ ...a, goalsMet: a.goalsMet + 1 }))
      )
    case "EngagementClosed":
      if (link.status !== "live") return []
      return update(
        "closed",
        onAdvisor(network, link, (a) => ({
          ...a,
          live: a.live === link.engagementId ? null : a.live,
          completed: a.completed + (event.outcome === "completed" ? 1 : 0),
          endedEarly: a.endedEarly + (event.outcome === "ended_early" ? 1 : 0)
        }))
      )
    default:
      return []
  }
}

/** The events MenteeNetwork reads. */
export const handles = [
  "InterestsDeclared",
  "EngagementRequested",
  "EngagementAgreed",
  "EngagementDeclined",
  "RequestWithdrawn",
  "RequestExpired",
  "SessionHeld",
  "SessionRetracted",
  "GoalMet",
  "EngagementClosed"
] as const

/**
 * The MenteeNetwork projection. Index `unmetInterest`: `[area]` for each of a mentee's areas of
 * interest without a mentor — "which mentees want help in this area and have nobody there yet"
 * (programme matching and outreach).
 */
export const projection = Projection.make({
  name: "mentee-network",
  version: 1,
  handles,
  document: Document,
  apply,
  indexes: {
    unmetInterest: (d) => (d._tag === "MenteeNetwork" ? d.areasWithoutMentor.map((a) => [a]) : undefined)
  }
})

/**
 * The mentee themselves, admins and the system see the network. Nobody else does: a mentor sees
 * their own engagements with the mentee elsewhere, never the mentee's whole board. Links are never
 * served.
 */
export const view = (document: Document, _id: string, viewer: Actor): MenteeNetwork | undefined => {
  if (document._tag !== "MenteeNetwork") return undefined
  return viewer._tag !== "User" || viewer.userId === document.menteeId ? document : undefined
}

/** The MenteeNetwork read model: the projection and its per-viewer view. */
export const readModel = ReadModel.make(projection, view, { documentId: networkId })

/** The board grouped by area, in area order: "who advises me on what". */
export const mentorsByArea = (
  network: MenteeNetwork
): ReadonlyArray<{ readonly area: Area; readonly advisors: ReadonlyArray<Advisor> }> => {
  const groups: Array<{ area: Area; advisors: Array<Advisor> }> = []
  for (const a of network.advisors) {
    const last = groups[groups.length - 1]
    if (last !== undefined && last.area === a.area) last.advisors.push(a)
    else groups.push({ area: a.area, advisors: [a] })
  }
  return groups
}
