/** The bearer-token check: the caller's actor comes from a valid token, or the request gets 401. */
import { Actor, Ids } from "@stint/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Authentication, Unauthorized } from "./Api.js"
import { ServerConfig } from "./ServerConfig.js"
import * as Token from "./Token.js"

const decodeUserId = Schema.decodeUnknownEither(Ids.UserId)

/** The actor behind a bearer token, or why it is refused. */
export const actorOf = (secret: Redacted.Redacted, token: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    if (token === "") return Effect.fail(new Unauthorized({ message: "missing bearer token" }))
    const claims = Token.verify(Redacted.value(secret), token, Math.floor(now / 1000))
    if (Either.isLeft(claims)) return Effect.fail(new Unauthorized({ message: claims.left }))
    const userId = decodeUserId(claims.right.sub)
    if (Either.isLeft(userId)) return Effect.fail(new Unauthorized({ message: "the token's subject is not a user id" }))
    return Effect.succeed(claims.right.role === "admin" ? Actor.admin(userId.right) : Actor.user(userId.right))
  })

export const layer = Layer.effect(
  Authentication,
  Effect.map(ServerConfig, (config) =>
    Authentication.of({ bearer: (token) => actorOf(config.secret, Redacted.value(token)) })
  )
)
