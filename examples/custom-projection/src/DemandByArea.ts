/**
 * DemandByArea: a host's own projection, written only against `@stint/core`'s public API. Per
 * expertise area it counts what mentees ask for and what came of it, and how fast mentors answer, so
 * a programme can see where mentors are missing: many requests, low acceptance, slow responses, a
 * queue of open requests.
 *
 * Demand means mentees asking: a mentor's offer is supply, so offers are left out. A request's later
 * events do not name its area, so a small helper document per request (`request:<engagementId>`)
 * remembers it; area documents are `area:<area>`.
 */
import { type Actor, type EventCodec, Projection, StreamId } from "@stint/core"
import * as ReadModel from "@stint/core/ReadModel"
import * as ProgramMetrics from "@stint/core/ProgramMetrics"
import { DateTime, Schema } from "effect"

/** What mentees asked for in one area, and what came of it. */
export const AreaDemand = Schema.TaggedStruct("AreaDemand", {
  area: Schema.String,
  /** Requests by mentees (offers by mentors are not demand). */
  requests: Schema.Int,
  agreed: Schema.Int,
  declined: Schema.Int,
  withdrawn: Schema.Int,
  expired: Schema.Int,
  /** Waiting for an answer: `requests - agreed - declined - withdrawn - expired`. */
  open: Schema.Int,
  /** `agreed / (requests - open)`; null until a request has an outcome. */
  acceptanceRate: Schema.NullOr(Schema.Number),
  /** Minutes (rounded down) from a request to the mentor's first counter, agreement or decline. */
  responseMinutes: ProgramMetrics.Histogram,
  /** Nearest-rank median of `responseMinutes`; null until a request is answered. */
  medianResponseMinutes: Schema.NullOr(Schema.Int)
})
export type AreaDemand = typeof AreaDemand.Type

/** Helper: one request's area and progress. Never served, never indexed. */
export const RequestSeen = Schema.TaggedStruct("RequestSeen", {
  area: Schema.String,
  /** The last stream version applied, so a redelivered event changes nothing. */
  through: Schema.Int,
  /** Epoch millis of the request. */
  requestedAt: Schema.Int,
  open: Schema.Boolean,
  responded: Schema.Boolean
})
export type RequestSeen = typeof RequestSeen.Type

/** The documents of the projection. */
export const Document = Schema.Union(AreaDemand, RequestSeen)
export type Document = typeof Document.Type

/** The id of an area's document. */
export const areaId = (area: string): string => `area:${area}`
const requestId = (engagementId: string) => `request:${engagementId}`

/** An area before any request. */
export const emptyArea = (area: string): AreaDemand =>
  AreaDemand.make({
    area,
    requests: 0,
    agreed: 0,
    declined: 0,
    withdrawn: 0,
    expired: 0,
    open: 0,
    acceptanceRate: null,
    responseMinutes: [],
    medianResponseMinutes: null
  })

type Outcome = "agreed" | "declined" | "withdrawn" | "expired"

const resolve = (d: AreaDemand, outcome: Outcome): AreaDemand => {
  const next = { ...d, [outcome]: d[outcome] + 1, open: d.open - 1 }
  return { ...next, acceptanceRate: ProgramMetrics.rate(next.agreed, next.requests - next.open) }
}

const respond = (d: AreaDemand, request: RequestSeen, at: DateTime.Utc): AreaDemand => {
  if (request.responded) return d
  const minutes = ProgramMetrics.wholeMinutes(DateTime.toEpochMillis(at) - request.requestedAt)
  const responseMinutes = ProgramMetrics.addMinutes(d.responseMinutes, minutes)
  return { ...d, responseMinutes, medianResponseMinutes: ProgramMetrics.median(responseMinutes) ?? null }
}

const apply = (
  { event, record }: EventCodec.Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const key = requestId(StreamId.idOf(record.streamId))
  const seen = documents.get(key)
  const areaOf = (area: string) => {
    const d = documents.get(areaId(area))
    return d?._tag === "AreaDemand" ? d : emptyArea(area)
  }

  if (event._tag === "EngagementRequested") {
    if (event.initiator !== "mentee" || seen !== undefined) return []
    const area = areaOf(event.area)
    const request = RequestSeen.make({
      area: event.area,
      through: record.version,
      requestedAt: DateTime.toEpochMillis(event.requestedAt),
      open: true,
      responded: false
    })
    return [
      Projection.put(key, request),
      Projection.put(areaId(event.area), { ...area, requests: area.requests + 1, open: area.open + 1 })
    ]
  }

  // Later events: only for requests seen, still open, and not applied before.
  if (seen?._tag !== "RequestSeen" || !seen.open || record.version <= seen.through) return []
  const area = areaOf(seen.area)
  const answer = (next: AreaDemand, open: boolean) => [
    Projection.put(key, { ...seen, through: record.version, open, responded: true }),
    Projection.put(areaId(seen.area), next)
  ]
  switch (event._tag) {
    // On a mentee's request, counters and first answers come from the mentor.
    case "ScopeCountered":
      return answer(respond(area, seen, event.counteredAt), true)
    case "EngagementAgreed":
      return answer(resolve(respond(area, seen, event.agreedAt), "agreed"), false)
    case "EngagementDeclined":
      return answer(resolve(respond(area, seen, event.declinedAt), "declined"), false)
    case "RequestWithdrawn":
    case "RequestExpired":
      return [
        Projection.put(key, { ...seen, through: record.version, open: false }),
        Projection.put(areaId(seen.area), resolve(area, event._tag === "RequestWithdrawn" ? "withdrawn" : "expired"))
      ]
    default:
      return []
  }
}

const areas = (f: (d: AreaDemand) => ReadonlyArray<string | number> | undefined) => (d: Document) =>
  d._tag === "AreaDemand" ? f(d) : undefined

/**
 * The projection `demand-by-area`. Indexes, each listing area documents only:
 * - `byRequests`: busiest areas first (`[-requests, area]`);
 * - `byAcceptance`: lowest acceptance first, among areas with an outcome (`[acceptanceRate, -requests]`);
 * - `bySlowestResponse`: slowest median answer first, among areas answered (`[-median, -requests]`);
 * - `byOpen`: longest queue of open requests first (`[-open, area]`).
 */
export const projection = Projection.make({
  name: "demand-by-area",
  version: 1,
  handles: [
    "EngagementRequested",
    "ScopeCountered",
    "EngagementAgreed",
    "EngagementDeclined",
    "RequestWithdrawn",
    "RequestExpired"
  ],
  document: Document,
  apply,
  indexes: {
    byRequests: areas((d) => [-d.requests, d.area]),
    byAcceptance: areas((d) => (d.acceptanceRate === null ? undefined : [d.acceptanceRate, -d.requests])),
    bySlowestResponse: areas((d) =>
      d.medianResponseMinutes === null ? undefined : [-d.medianResponseMinutes, -d.requests]
    ),
    byOpen: areas((d) => [-d.open, d.area])
  }
})

/** Admins and the system see area documents; users see none; nobody sees the request helpers. */
export const view = (document: Document, _id: string, viewer: Actor.Actor): AreaDemand | undefined =>
  document._tag === "AreaDemand" && viewer._tag !== "User" ? document : undefined

/** DemandByArea as a read model. */
export const readModel = ReadModel.make(projection, view)

/** When an area counts as short of mentors. */
export interface Thresholds {
  /** At least this many requests before an area is judged at all. */
  readonly minRequests: number
  /** Acceptance below this is low. */
  readonly lowAcceptance: number
  /** A median first answer above this many minutes is slow. */
  readonly slowMinutes: number
  /** This many open requests or more is a queue. */
  readonly openQueue: number
}

/** Defaults: 5 requests, under half accepted, a median answer over two days, 3 waiting. */
export const defaultThresholds: Thresholds = {
  minRequests: 5,
  lowAcceptance: 0.5,
  slowMinutes: 2 * 24 * 60,
  openQueue: 3
}

/** Why an area looks short of mentors (empty when it does not, or has too few requests to tell). */
export const shortageSignals = (
  d: AreaDemand,
  t: Thresholds = defaultThresholds
): ReadonlyArray<"low_acceptance" | "slow_response" | "open_queue"> => {
  if (d.requests < t.minRequests) return []
  const signals: Array<"low_acceptance" | "slow_response" | "open_queue"> = []
  if (d.acceptanceRate !== null && d.acceptanceRate < t.lowAcceptance) signals.push("low_acceptance")
  if (d.medianResponseMinutes !== null && d.medianResponseMinutes > t.slowMinutes) signals.push("slow_response")
  if (d.open >= t.openQueue) signals.push("open_queue")
  return signals
}
