/**
 * The HTTP server: the API's handlers, the feed, the OpenAPI document (`/openapi.json`) and Swagger UI
 * (`/docs`), request size limits, JSON logs of every request, on Node's HTTP server.
 */
import { createServer } from "node:http"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as OpenApi from "@effect/platform/OpenApi"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { StintApi } from "./Api.js"
import * as Auth from "./Auth.js"
import * as Commands from "./Commands.js"
import * as Feed from "./Feed.js"
import * as Operations from "./Operations.js"
import * as ReadModels from "./ReadModels.js"
import { ServerConfig } from "./ServerConfig.js"

const ApiLive = HttpApiBuilder.api(StintApi).pipe(
  Layer.provide([Commands.layer, ReadModels.layer, Operations.layer]),
  Layer.provide(Auth.layer)
)

const openApi = HttpApiBuilder.Router.use((router) =>
  router.get("/openapi.json", HttpServerResponse.json(OpenApi.fromApi(StintApi)))
)

/**
 * Bodies larger than the limit get 413 before they are read (by their `Content-Length`; a chunked
 * body is cut off at the limit by the platform's own check).
 */
const limitBodies = (maxBytes: number) =>
  HttpMiddleware.make((app) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      // Commands take JSON only: a form or multipart body is refused before anything parses it.
      const type = request.headers["content-type"] ?? ""
      if (request.method === "POST" && !/^application\/json\s*(;|$)/i.test(type)) {
        return HttpServerResponse.unsafeJson(
          { _tag: "UnsupportedMediaType", message: "commands take a JSON body (Content-Type: application/json)" },
          { status: 415 }
        )
      }
      const length = Number(request.headers["content-length"] ?? "0")
      if (Number.isFinite(length) && length > maxBytes) {
        return HttpServerResponse.unsafeJson(
          { _tag: "PayloadTooLarge", message: `request bodies are limited to ${maxBytes} bytes` },
          { status: 413 }
        )
      }
      // A body without a length (chunked) is cut off at the limit while it is read.
      return HttpIncomingMessage.withMaxBodySize(app, Option.some(maxBytes))
    })
  )

const reasons: Record<number, string> = {
  400: "the request is malformed (bad JSON, wrong content type, unreadable body)",
  404: "no such route",
  405: "method not allowed",
  413: "the request body is too large",
  500: "the server failed; nothing was acknowledged",
  503: "the server is not ready"
}

/**
 * Every error response has a JSON body a person can read: errors the API does not describe (a body
 * that is not JSON, an unknown route) would otherwise leave the platform's empty response.
 */
const apiErrors = new Set([
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "Conflict",
  "Unprocessable",
  "Unavailable",
  "HttpApiDecodeError"
])

/** A body cut off by the size limit while it was read (a chunked body has no length to check first). */
const tooLarge = (error: unknown): boolean =>
  (error as { readonly _tag?: string })?._tag === "RequestError" &&
  String((error as { readonly cause?: unknown }).cause).includes("maxBytes exceeded")

const jsonErrors = HttpMiddleware.make((app) =>
  app.pipe(
    // The API's own errors go on to be encoded with their schemas; anything else becomes a response here.
    Effect.catchAllCause((cause) => {
      const error = Cause.squash(cause)
      if (apiErrors.has((error as { readonly _tag?: string })?._tag ?? "")) return Effect.failCause(cause)
      if (tooLarge(error)) {
        return Effect.succeed(
          HttpServerResponse.unsafeJson(
            { _tag: "PayloadTooLarge", message: "the request body is larger than the server accepts" },
            { status: 413 }
          )
        )
      }
      return Effect.flatMap(HttpServerError.causeResponse(cause), ([response]) =>
        // A 5xx is the server's fault: log why, once, with the cause.
        response.status >= 500
          ? Effect.as(Effect.logError("request failed", cause), response)
          : Effect.succeed(response)
      )
    }),
    Effect.map((response) =>
      response.status >= 400 && response.body._tag === "Empty"
        ? HttpServerResponse.unsafeJson(
            { _tag: "HttpError", status: response.status, message: reasons[response.status] ?? "the request failed" },
            { status: response.status }
          )
        : response
    )
  )
)

/**
 * Node's HTTP server, answering what its parser refuses before Stint sees a request (headers too
 * large, a malformed request line) with a JSON body like every other error.
 */
const createJsonErrorServer = () => {
  const server = createServer()
  // On shutdown the platform removes its request handler before the server closes. A request that
  // arrives on a kept-alive connection in between would get no answer and hold the close forever:
  // this answers it 503 and closes the connection (the client retries elsewhere, idempotently).
  server.on("request", (_request, response) => {
    if (server.listenerCount("request") > 1) return
    const body = JSON.stringify({ _tag: "HttpError", status: 503, message: "the server is shutting down; retry" })
    response.writeHead(503, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      connection: "close"
    })
    response.end(body)
  })
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy()
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW"
    const body = JSON.stringify({
      _tag: "HttpError",
      status: tooLarge ? 431 : 400,
      message: tooLarge ? "the request headers are too large" : "the request is malformed"
    })
    socket.end(
      `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
    )
  })
  return server
}

/** The server on the configured host and port; logs its address once listening. */
export const layer = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) =>
    // One JSON line per request when STINT_LOG_REQUESTS=true; errors are always logged.
    HttpApiBuilder.serve(config.logRequests ? HttpMiddleware.logger : undefined).pipe(
      // API-level middleware runs inside the platform's error handling, so it sees every failure.
      Layer.provide(HttpApiBuilder.middleware((app) => jsonErrors(limitBodies(config.maxBodyBytes)(app)))),
      Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
      Layer.provide(Feed.layer),
      Layer.provide(openApi),
      Layer.provide(ApiLive),
      Layer.tap((context) =>
        // One JSON line with the address: what scripts and tests wait for (PORT=0 picks a free port).
        HttpServer.addressFormattedWith((url) => Effect.annotateLogs(Effect.logInfo("listening"), { url })).pipe(
          Effect.provide(context)
        )
      ),
      Layer.provide(NodeHttpServer.layer(createJsonErrorServer, { port: config.port, host: config.host }))
    )
  )
)
