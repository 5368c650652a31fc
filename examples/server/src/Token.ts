/**
 * Signed bearer tokens: HS256 JSON Web Tokens carrying a user id and a role. The server takes the
 * actor of every command from the token (never from the body); `npx -y pnpm@10 --silent mint-token <user> [role]`
 * mints one for trying the API.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

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

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url")
const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))
const sign = (secret: string, input: string) => createHmac("sha256", secret).update(input).digest()

/** A token for `sub` with `role`, valid for `ttlSeconds` from `nowSeconds`. */
export const mint = (
  secret: string,
  claims: { readonly sub: string; readonly role: Role },
  nowSeconds: number,
  ttlSeconds = 24 * 3600
): string => {
  const payload = base64url(JSON.stringify({ ...claims, iat: nowSeconds, exp: nowSeconds + ttlSeconds }))
  return `${header}.${payload}.${base64url(sign(secret, `${header}.${payload}`))}`
}

const decodeClaims = Schema.decodeUnknownEither(Claims)

/** The token's claims, or why it is refused (malformed, bad signature, expired). */
export const verify = (secret: string, token: string, nowSeconds: number): Either.Either<Claims, string> => {
  const parts = token.split(".")
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return Either.left("malformed token")
  const [h, p, s] = parts as [string, string, string]
  if (h !== header) return Either.left("unsupported token header (HS256 JWTs only)")
  const expected = sign(secret, `${h}.${p}`)
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
