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

/** How many verified tokens are remembered. */
const cacheSize = 10_000

/**
 * The actor behind a bearer token, or why it is refused. A client sends the same token with every
 * request, and checking its HMAC costs more than the rest of authentication: a token whose
 * signature checked out is remembered (until it expires, the newest `cacheSize` of them), keyed by
 * the whole token, so a forged or altered one never matches.
 */
export const makeVerifier = (secret: Redacted.Redacted) => {
  const verified = new Map<string, { readonly actor: Actor.Actor; readonly exp: number }>()
  return (token: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (token === "") return Effect.fail(new Unauthorized({ message: "missing bearer token" }))
      const nowSeconds = Math.floor(now / 1000)
      const known = verified.get(token)
      if (known !== undefined && known.exp > nowSeconds) return Effect.succeed(known.actor)
      if (known !== undefined) verified.delete(token)
      const claims = Token.verify(Redacted.value(secret), token, nowSeconds)
      if (Either.isLeft(claims)) return Effect.fail(new Unauthorized({ message: claims.left }))
      const userId = decodeUserId(claims.right.sub)
      if (Either.isLeft(userId))
        return Effect.fail(new Unauthorized({ message: "the token's subject is not a user id" }))
      const actor = claims.right.role === "admin" ? Actor.admin(userId.right) : Actor.user(userId.right)
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!)
      verified.set(token, { actor, exp: claims.right.exp })
      return Effect.succeed(actor)
    })
}

/** The actor behind one bearer token, checked without a cache (opening a feed). */
export const actorOf = (secret: Redacted.Redacted, token: string) => makeVerifier(secret)(token)

export const layer = Layer.effect(
  Authentication,
  Effect.map(ServerConfig, (config) => {
    const verify = makeVerifier(config.secret)
    return Authentication.of({ bearer: (token) => verify(Redacted.value(token)) })
  })
)
