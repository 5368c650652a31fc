/**
 * ProgramMetrics: the programme's honest numbers in one document (`programme`): requests by outcome,
 * acceptance, time to first response, sessions against the cap, goals met, extensions, how engagements
 * closed, and mentors at capacity. Counts and rates only: never note text, reasons, comments or the
 * names of users (INV-16). Small helper documents per engagement and per mentor carry what later
 * events do not (when it was asked, the cap, seats held); no viewer ever sees them.
 *
 * The request counts reconcile by construction (INV-19): every request is counted once when asked
 * and moves to exactly one outcome, so `requested = agreed + declined + withdrawn + expired + open`.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import type { Actor } from "../store/Actor.js"
import { Role } from "../engagement/EngagementEvent.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as StreamId from "../store/StreamId.js"

const Count = Schema.Int

/** A share between 0 and 1; null while there is nothing to divide by. */
const Rate = Schema.NullOr(Schema.Number)

/** One bucket of an exact histogram: how many observations took this many whole minutes. */
export const MinuteCount = Schema.Struct({ minutes: Schema.Int, count: Schema.Int })
export type MinuteCount = typeof MinuteCount.Type

/** An exact histogram of whole minutes: one bucket per distinct value, ascending, counts above zero. */
export const Histogram = Schema.Array(MinuteCount)
export type Histogram = typeof Histogram.Type

/** How many closed engagements held `held` sessions under a final cap of `cap`. */
export const SessionsAgainstCap = Schema.Struct({ held: Schema.Int, cap: Schema.Int, engagements: Count })
export type SessionsAgainstCap = typeof SessionsAgainstCap.Type

/** The programme document (id `programme`): what admins and the system see. */
export const Programme = Schema.TaggedStruct("Programme", {
  requests: Schema.Struct({
    /** Every engagement asked for, by a mentee or offered by a mentor: `menteeRequests + mentorOffers`. */
    requested: Count,
    menteeRequests: Count,
    mentorOffers: Count,
    /** Requests the mentor answered with a counter-scope (whatever came of them). */
    countered: Count,
    agreed: Count,
    declined: Count,
    withdrawn: Count,
    expired: Count,
    /** Still waiting for an answer (requested or countered). */
    open: Count
  }),
  /** `agreed / (requested - open)`: of the requests that got an outcome, the share agreed. */
  acceptanceRate: Rate,
  /**
   * Time from the request to the responder's first answer (counter, agree or decline), in whole
   * minutes rounded down; withdrawn and expired requests never answered are not responses.
   */
  firstResponse: Schema.Struct({
    responses: Count,
    histogram: Histogram,
    /** Nearest-rank median of the histogram (`percentile(histogram, 50)`); null with no responses. */
    medianMinutes: Schema.NullOr(Schema.Int),
    /** Nearest-rank 90th percentile; null with no responses. */
    p90Minutes: Schema.NullOr(Schema.Int)
  }),
  sessions: Schema.Struct({
    /** Sessions held net of retractions, across all engagements, live or closed. */
    held: Count,
    /** Completed or ended early. */
    closedEngagements: Count,
    /** Sessions held (net) by the closed engagements. */
    closedHeld: Count,
    /** The final caps (after extensions) of the closed engagements: `closedHeld / closedCap` is the use of scope. */
    closedCap: Count,
    /** Closed engagements by (held, cap), ascending by cap then held. */
    distribution: Schema.Array(SessionsAgainstCap)
  }),
  goals: Schema.Struct({
    /** Every outcome recorded by either participant. */
    outcomesRecorded: Count,
    /** Goals met, in any engagement. */
    met: Count,
    /** The goals of closed engagements. */
    closedGoals: Count,
    /** Of those, the ones met (a goal met within the feedback window after closing counts too). */
    closedMet: Count,
    /** `closedMet / closedGoals`. */
    metRate: Rate
  }),
  extensions: Schema.Struct({ offered: Count, accepted: Count, declined: Count }),
  closed: Schema.Struct({ completed: Count, endedEarly: Count }),
  mentors: Schema.Struct({
    registered: Count,
    /** Mentors whose seats (live engagements) reach their capacity's engagement limit. */
    atCapacity: Count
  })
})
export type Programme = typeof Programme.Type

/** Helper (id `engagement:<id>`): what this projection needs to remember about one engagement. */
export const EngagementTally = Schema.TaggedStruct("EngagementTally", {
  /** The last stream version applied: a redelivered event is ignored. */
  through: Schema.Int,
  /** Epoch millis of the request. */
  requestedAt: Schema.Int,
  responder: Role,
  stage: Schema.Literal("pending", "live", "closed", "resolved"),
  responded: Schema.Boolean,
  goals: Count,
  goalsMet: Count,
  held: Count,
  cap: Count
})
export type EngagementTally = typeof EngagementTally.Type

/** Helper (id `mentor:<id>`): a mentor's seats against their engagement limit. */
export const MentorSeats = Schema.TaggedStruct("MentorSeats", {
  through: Schema.Int,
  seats: Count,
  maxEngagements: Count
})
export type MentorSeats = typeof MentorSeats.Type

/** Every document of the projection; only `Programme` is ever served. */
export const Document = Schema.Union(Programme, EngagementTally, MentorSeats)
export type Document = typeof Document.Type

/** The id of the programme document. */
export const programmeId = "programme"
const engagementKey = (id: string) => `engagement:${id}`
const mentorKey = (id: string) => `mentor:${id}`

/** The programme before any event. */
export const empty: Programme = Programme.make({
  requests: {
    requested: 0,
    menteeRequests: 0,
    mentorOffers: 0,
    countered: 0,
    agreed: 0,
    declined: 0,
    withdrawn: 0,
    expired: 0,
    open: 0
  },
  acceptanceRate: null,
  firstResponse: { responses: 0, histogram: [], medianMinutes: null, p90Minutes: null },
  sessions: { held: 0, closedEngagements: 0, closedHeld: 0, closedCap: 0, distribution: [] },
  goals: { outcomesRecorded: 0, met: 0, closedGoals: 0, closedMet: 0, metRate: null },
  extensions: { offered: 0, accepted: 0, declined: 0 },
  closed: { completed: 0, endedEarly: 0 },
  mentors: { registered: 0, atCapacity: 0 }
})

// ── pure helpers ─────────────────────────────────────────────────────────────────────────────

/** Whole minutes in a span of milliseconds, rounded down (59 seconds is minute 0). */
export const wholeMinutes = (millis: number): number => Math.floor(Math.max(0, millis) / 60_000)

/** The histogram with one more observation of `minutes`; a new array, ascending. */
export const addMinutes = (histogram: Histogram, minutes: number): Histogram => {
  const i = histogram.findIndex((b) => b.minutes >= minutes)
  if (i === -1) return [...histogram, { minutes, count: 1 }]
  const at = histogram[i]!
  return at.minutes === minutes
    ? histogram.map((b, j) => (j === i ? { minutes, count: b.count + 1 } : b))
    : [...histogram.slice(0, i), { minutes, count: 1 }, ...histogram.slice(i)]
}

/** How many observations a histogram holds. */
export const total = (histogram: Histogram): number => histogram.reduce((n, b) => n + b.count, 0)

/**
 * The nearest-rank percentile `p` (0 to 100) of a histogram: the smallest value with at least
 * `ceil(p/100 × n)` observations at or below it (rank at least 1). Always an observed value, never
 * interpolated, so ties need no rule and an even count takes the lower middle value for the median.
 * Undefined for an empty histogram.
 */
export const percentile = (histogram: Histogram, p: number): number | undefined => {
  const n = total(histogram)
  if (n === 0) return undefined
  // p × n is an integer for integer p, so dividing once keeps the rank exact.
  const rank = Math.min(n, Math.max(1, Math.ceil((p * n) / 100)))
  let seen = 0
  for (const b of histogram) {
    seen += b.count
    if (seen >= rank) return b.minutes
  }
  return histogram[histogram.length - 1]!.minutes
}

/** The nearest-rank median: `percentile(histogram, 50)`, the lower middle value for an even count. */
export const median = (histogram: Histogram): number | undefined => percentile(histogram, 50)

/** `part / whole`, or null when `whole` is 0. */
export const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole)

/** Whether a mentor's seats reach their engagement limit. */
export const atCapacity = (m: MentorSeats): boolean => m.seats >= m.maxEngagements

const withRates = (p: Programme): Programme => ({
  ...p,
  acceptanceRate: rate(p.requests.agreed, p.requests.requested - p.requests.open),
  goals: { ...p.goals, metRate: rate(p.goals.closedMet, p.goals.closedGoals) }
})

const withResponse = (p: Programme, minutes: number): Programme => {
  const histogram = addMinutes(p.firstResponse.histogram, minutes)
  return {
    ...p,
    firstResponse: {
      responses: p.firstResponse.responses + 1,
      histogram,
      medianMinutes: median(histogram) ?? null,
      p90Minutes: percentile(histogram, 90) ?? null
    }
  }
}

const withClosedSessions = (
  distribution: ReadonlyArray<SessionsAgainstCap>,
  held: number,
  cap: number
): ReadonlyArray<SessionsAgainstCap> => {
  const found = distribution.some((d) => d.held === held && d.cap === cap)
  const next = found
    ? distribution.map((d) => (d.held === held && d.cap === cap ? { ...d, engagements: d.engagements + 1 } : d))
    : [...distribution, { held, cap, engagements: 1 }]
  return found ? next : [...next].sort((a, b) => a.cap - b.cap || a.held - b.held)
}

// ── apply ────────────────────────────────────────────────────────────────────────────────────

type Outcome = "agreed" | "declined" | "withdrawn" | "expired"

const handled = [
  "EngagementRequested",
  "ScopeCountered",
  "EngagementAgreed",
  "EngagementDeclined",
  "RequestWithdrawn",
  "RequestExpired",
  "SessionHeld",
  "SessionRetracted",
  "ExtensionOffered",
  "ExtensionAccepted",
  "ExtensionDeclined",
  "GoalOutcomeRecorded",
  "GoalMet",
  "EngagementClosed",
  "MentorRegistered",
  "CapacityChanged",
  "SeatReserved",
  "SeatReleased"
] as const

const programmeOf = (d: Document | undefined): Programme => (d?._tag === "Programme" ? d : empty)

const apply = (
  envelope: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const { event, record } = envelope
  const programme = programmeOf(documents.get(programmeId))
  const id = StreamId.idOf(record.streamId)
  const version = record.version

  if (event._tag === "EngagementRequested") {
    const key = engagementKey(id)
    if (documents.get(key) !== undefined) return []
    const tally = EngagementTally.make({
      through: version,
      requestedAt: DateTime.toEpochMillis(event.requestedAt),
      responder: event.initiator === "mentee" ? "mentor" : "mentee",
      stage: "pending",
      responded: false,
      goals: event.goals.length,
      goalsMet: 0,
      held: 0,
      cap: 0
    })
    const r = programme.requests
    const next = withRates({
      ...programme,
      requests: {
        ...r,
        requested: r.requested + 1,
        menteeRequests: r.menteeRequests + (event.initiator === "mentee" ? 1 : 0),
        mentorOffers: r.mentorOffers + (event.initiator === "mentor" ? 1 : 0),
        open: r.open + 1
      }
    })
    return [Projection.put(key, tally), Projection.put(programmeId, next)]
  }

  if (event._tag === "MentorRegistered") {
    const key = mentorKey(id)
    if (documents.get(key) !== undefined) return []
    const seats = MentorSeats.make({ through: version, seats: 0, maxEngagements: event.capacity.engagements })
    const next: Programme = {
      ...programme,
      mentors: {
        registered: programme.mentors.registered + 1,
        atCapacity: programme.mentors.atCapacity + (atCapacity(seats) ? 1 : 0)
      }
    }
    return [Projection.put(key, seats), Projection.put(programmeId, next)]
  }

  if (event._tag === "CapacityChanged" || event._tag === "SeatReserved" || event._tag === "SeatReleased") {
    const key = mentorKey(id)
    const current = documents.get(key)
    if (current?._tag !== "MentorSeats" || version <= current.through) return []
    const seats: MentorSeats =
      event._tag === "CapacityChanged"
        ? { ...current, through: version, maxEngagements: event.capacity.engagements }
        : event._tag === "SeatReserved"
          ? { ...current, through: version, seats: current.seats + 1 }
          : { ...current, through: version, seats: Math.max(0, current.seats - 1) }
    const delta = (atCapacity(seats) ? 1 : 0) - (atCapacity(current) ? 1 : 0)
    if (delta === 0) return [Projection.put(key, seats)]
    const next: Programme = {
      ...programme,
      mentors: { ...programme.mentors, atCapacity: programme.mentors.atCapacity + delta }
    }
    return [Projection.put(key, seats), Projection.put(programmeId, next)]
  }

  // Every other handled event belongs to an engagement this projection saw requested.
  const key = engagementKey(id)
  const tally = documents.get(key)
  if (tally?._tag !== "EngagementTally" || version <= tally.through) return []
  const t: EngagementTally = { ...tally, through: version }
  const emit = (nextTally: EngagementTally, next: Programme | undefined) =>
    next === undefined
      ? [Projection.put(key, nextTally)]
      : [Projection.put(key, nextTally), Projection.put(programmeId, next)]

  /** The first answer of the responder while pending. */
  const respond = (p: Programme, by: "mentee" | "mentor", at: DateTime.Utc): Programme =>
    t.responded || by !== t.responder ? p : withResponse(p, wholeMinutes(DateTime.toEpochMillis(at) - t.requestedAt))
  /** A pending request moves to one outcome. */
  const resolve = (p: Programme, outcome: Outcome): Programme =>
    withRates({ ...p, requests: { ...p.requests, [outcome]: p.requests[outcome] + 1, open: p.requests.open - 1 } })

  switch (event._tag) {
    case "ScopeCountered": {
      if (t.stage !== "pending") return emit(t, undefined)
      const next = respond(
        { ...programme, requests: { ...programme.requests, countered: programme.requests.countered + 1 } },
        "mentor",
        event.counteredAt
      )
      return emit({ ...t, responded: true }, next)
    }
    case "EngagementAgreed": {
      if (t.stage !== "pending") return emit(t, undefined)
      const next = resolve(respond(programme, event.agreedBy, event.agreedAt), "agreed")
      return emit({ ...t, stage: "live", responded: true, cap: event.scope.sessions }, next)
    }
    case "EngagementDeclined": {
      if (t.stage !== "pending") return emit(t, undefined)
      const next = resolve(respond(programme, event.declinedBy, event.declinedAt), "declined")
      return emit({ ...t, stage: "resolved", responded: true }, next)
    }
    case "RequestWithdrawn":
    case "RequestExpired": {
      if (t.stage !== "pending") return emit(t, undefined)
      const next = resolve(programme, event._tag === "RequestWithdrawn" ? "withdrawn" : "expired")
      return emit({ ...t, stage: "resolved" }, next)
    }
    case "SessionHeld":
    case "SessionRetracted": {
      if (t.stage !== "live") return emit(t, undefined)
      const step = event._tag === "SessionHeld" ? 1 : -1
      const next = { ...programme, sessions: { ...programme.sessions, held: programme.sessions.held + step } }
      return emit({ ...t, held: t.held + step }, next)
    }
    case "ExtensionOffered":
    case "ExtensionDeclined": {
      const field = event._tag === "ExtensionOffered" ? "offered" : "declined"
      const x = programme.extensions
      return emit(t, { ...programme, extensions: { ...x, [field]: x[field] + 1 } })
    }
    case "ExtensionAccepted": {
      const x = programme.extensions
      return emit({ ...t, cap: event.sessionCap }, { ...programme, extensions: { ...x, accepted: x.accepted + 1 } })
    }
    case "GoalOutcomeRecorded": {
      const g = programme.goals
      return emit(t, { ...programme, goals: { ...g, outcomesRecorded: g.outcomesRecorded + 1 } })
    }
    case "GoalMet": {
      const g = programme.goals
      const closedMet = g.closedMet + (t.stage === "closed" ? 1 : 0)
      return emit(
        { ...t, goalsMet: t.goalsMet + 1 },
        withRates({ ...programme, goals: { ...g, met: g.met + 1, closedMet } })
      )
    }
    case "EngagementClosed": {
      if (t.stage !== "live") return emit(t, undefined)
      const s = programme.sessions
      const g = programme.goals
      const c = programme.closed
      const next = withRates({
        ...programme,
        sessions: {
          ...s,
          closedEngagements: s.closedEngagements + 1,
          closedHeld: s.closedHeld + t.held,
          closedCap: s.closedCap + t.cap,
          distribution: withClosedSessions(s.distribution, t.held, t.cap)
        },
        goals: { ...g, closedGoals: g.closedGoals + t.goals, closedMet: g.closedMet + t.goalsMet },
        closed:
          event.outcome === "completed" ? { ...c, completed: c.completed + 1 } : { ...c, endedEarly: c.endedEarly + 1 }
      })
      return emit({ ...t, stage: "closed" }, next)
    }
    default:
      return []
  }
}

/**
 * The projection `program-metrics`. No indexes: the programme is one document read by its id, and
 * the helper documents are never listed.
 */
export const projection = Projection.make({
  name: "program-metrics",
  version: 1,
  handles: handled,
  document: Document,
  apply
})

/** Admins and the system see the programme document; users see nothing, and nobody sees the helpers. */
export const view = (document: Document, _id: string, viewer: Actor): Programme | undefined =>
  document._tag === "Programme" && viewer._tag !== "User" ? document : undefined

/** ProgramMetrics as a read model. */
export const readModel = ReadModel.make(projection, view, { documentId: () => programmeId })
