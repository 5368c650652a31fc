/**
 * `GET /feed`: the events the caller may see, live, as Server-Sent Events. Each event's `id` is its
 * checkpoint (`commit.position`), so a client that reconnects with `Last-Event-ID` resumes right after
 * the last event it received. A user sees the streams they are a party to (their engagements, their
 * own mentor and mentee streams), and a private note only when they wrote it; programme staff see
 * every stream but no notes, as in the read models.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Checkpoint, EventCodec, Stint, StreamId } from "@stint/core"
import type { Actor } from "@stint/core/domain/Actor"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { actorOf } from "./Auth.js"
import { ServerConfig } from "./ServerConfig.js"

const encodeEvent = Schema.encodeSync(EventCodec.DomainEvent)

/**
 * Completed when the process is asked to stop, so open feeds end and a graceful shutdown does not
 * wait for clients to hang up (they reconnect elsewhere with `Last-Event-ID`).
 */
const stopping = Deferred.unsafeMake<void>(FiberId.none)
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => Deferred.unsafeDone(stopping, Exit.void))
}

const errorResponse = (status: number, tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag: tag, message }, { status })

/** Whether `viewer` may see an event, given the engagement's parties (for engagement streams). */
const visible = (
  viewer: Actor,
  envelope: EventCodec.Envelope,
  parties: { readonly menteeId: string; readonly mentorId: string } | undefined
): boolean => {
  const { event, record } = envelope
  const category = StreamId.category(record.streamId)
  if (viewer._tag !== "User") return event._tag !== "NoteAdded"
  const me = viewer.userId
  if (category === "mentor" || category === "mentee") return StreamId.idOf(record.streamId) === me
  if (parties === undefined || (parties.menteeId !== me && parties.mentorId !== me)) return false
  if (event._tag === "NoteAdded" && event.visibility === "private") {
    return (event.author === "mentee" ? parties.menteeId : parties.mentorId) === me
  }
  return true
}

const frame = (envelope: EventCodec.Envelope): string => {
  const { record } = envelope
  const data = JSON.stringify({
    streamId: record.streamId,
    version: record.version,
    recordedAt: DateTime.formatIso(record.metadata.recordedAt),
    event: encodeEvent(envelope.event)
  })
  return `id: ${Checkpoint.format(record)}\nevent: ${record.type}\ndata: ${data}\n\n`
}

export const handler = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const config = yield* ServerConfig
  const stint = yield* Stint.Stint
  const authorization = request.headers.authorization ?? ""
  const token = authorization.startsWith("Bearer ") ? authorization.slice("Bearer ".length).trim() : ""
  const viewer = yield* Effect.either(actorOf(config.secret, token))
  if (viewer._tag === "Left") return errorResponse(401, "Unauthorized", viewer.left.message)
  const resumeFrom =
    request.headers["last-event-id"] ?? new URL(request.url, "http://localhost").searchParams.get("from")
  let from = Checkpoint.start
  if (resumeFrom !== undefined && resumeFrom !== null && resumeFrom !== "") {
    const parsed = Checkpoint.parse(resumeFrom)
    if (parsed === undefined) {
      return errorResponse(400, "BadRequest", "Last-Event-ID must be an event id of this feed (commit.position)")
    }
    from = parsed
  }
  // The parties of each engagement seen on this connection, loaded once.
  const parties = new Map<string, { readonly menteeId: string; readonly mentorId: string } | undefined>()
  const partiesOf = (envelope: EventCodec.Envelope) => {
    const streamId = envelope.record.streamId
    if (StreamId.category(streamId) !== "engagement") return Effect.succeed(undefined)
    const id = StreamId.idOf(streamId)
    if (parties.has(id)) return Effect.succeed(parties.get(id))
    return Effect.map(stint.engagement(id as never), (e) => {
      const found = e === undefined ? undefined : { menteeId: e.menteeId, mentorId: e.mentorId }
      parties.set(id, found)
      return found
    })
  }
  const events = stint.events({ from, live: true }).pipe(
    Stream.filterEffect((envelope) => Effect.map(partiesOf(envelope), (p) => visible(viewer.right, envelope, p))),
    Stream.map(frame)
  )
  // A comment every 15 seconds keeps proxies from closing a quiet connection.
  const keepAlive = Stream.fromSchedule(Schedule.spaced("15 seconds")).pipe(Stream.as(": keep-alive\n\n"))
  const body = Stream.merge(Stream.make(": stint feed\n\n"), Stream.merge(events, keepAlive, { haltStrategy: "left" }))
  return HttpServerResponse.stream(Stream.encodeText(Stream.interruptWhen(body, Deferred.await(stopping))), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })
}).pipe(Effect.withSpan("http.feed"))

/** The feed route, beside the HttpApi endpoints. */
export const layer = HttpApiBuilder.Router.use((router) =>
  Effect.flatMap(Effect.context<ServerConfig | Stint.Stint>(), (context) =>
    router.get("/feed", Effect.provide(handler, context))
  )
)
