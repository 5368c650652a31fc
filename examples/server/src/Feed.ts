/**
 * `GET /feed`: the events the caller may see, live, as Server-Sent Events. Each event's `id` is its
 * checkpoint (`commit.position`), so a client that reconnects with `Last-Event-ID` resumes right after
 * the last event it received. What the caller may see is the core's `Feed` rule (INV-16): their own
 * streams and engagements, a private note only when they wrote it; staff every stream but no notes.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Checkpoint, EventCodec, Feed, Stint } from "@stint/core"
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
  const events = Feed.events(viewer.right, { from, live: true }).pipe(
    Stream.provideService(Stint.Stint, stint),
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
