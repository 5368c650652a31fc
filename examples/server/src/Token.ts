/**
 * Signed bearer tokens: HS256 JSON Web Tokens carrying a user id and a role. The server takes the
 * actor of every command from the token (never from the body); `node examples/server/bin/mint-token.mjs
 * <user> [role]` mints one for trying the API. The signing itself is in `TokenScheme.js`, shared with that
 * script.
 */
import { timingSafeEqual } from "node:crypto"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as TokenScheme from "./TokenScheme.js"

/** `user` acts for themselves; `admin` may also act for the programme (capacity, ending early). */
export const Role = Schema.Literal("user", "admin")
export type Role = typeof Role.Type

/** What a token says. */
export const Claims = Schema.Struct({
  sub: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  role: Role,
  iat: Schema.Int,
  exp: Schema.Int
})
export type Claims = typeof Claims.Type

/** A token for `sub` with `role`, valid for `ttlSeconds` (default 24 hours) from `nowSeconds`. */
export const mint: (
  secret: string,
  claims: { readonly sub: string; readonly role: Role },
  nowSeconds: number,
  ttlSeconds?: number
) => string = TokenScheme.mint

const decodeClaims = Schema.decodeUnknownEither(Claims)

/** The token's claims, or why it is refused (malformed, bad signature, expired). */
export const verify = (secret: string, token: string, nowSeconds: number): Either.Either<Claims, string> => {
  const parts = token.split(".")
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return Either.left("malformed token")
  const [h, p, s] = parts as [string, string, string]
  if (h !== TokenScheme.header) return Either.left("unsupported token header (HS256 JWTs only)")
  const expected = TokenScheme.sign(secret, `${h}.${p}`)
  const given = Buffer.from(s, "base64url")
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return Either.left("bad signature")
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(p, "base64url").toString("utf8"))
  } catch {
    return Either.left("malformed token")
  }
  const claims = decodeClaims(json)
  if (Either.isLeft(claims)) return Either.left("malformed claims")
  if (claims.right.exp <= nowSeconds) return Either.left("token expired")
  return Either.right(claims.right)
}
