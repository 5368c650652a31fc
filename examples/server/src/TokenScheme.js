/**
 * How the server's bearer tokens are signed: HS256 JSON Web Tokens. Plain JavaScript (typed by
 * `TokenScheme.d.ts`) so that `bin/mint-token.mjs` runs on Node alone, in a fraction of a second,
 * without a TypeScript loader; `Token.ts` builds its typed `mint` and `verify` on these.
 */
import { createHmac } from "node:crypto"

const base64url = (data) => Buffer.from(data).toString("base64url")

/** The file in the data directory that holds the development secret (written by the server). */
export const secretFileName = "dev-secret"

/** The encoded header of every token: `{"alg":"HS256","typ":"JWT"}`. */
export const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))

/** The HMAC-SHA256 of `input` under `secret`. */
export const sign = (secret, input) => createHmac("sha256", secret).update(input).digest()

/** A token for `claims.sub` with `claims.role`, valid for `ttlSeconds` from `nowSeconds`. */
export const mint = (secret, claims, nowSeconds, ttlSeconds = 24 * 3600) => {
  const payload = base64url(
    JSON.stringify({ sub: claims.sub, role: claims.role, iat: nowSeconds, exp: nowSeconds + ttlSeconds })
  )
  return `${header}.${payload}.${base64url(sign(secret, `${header}.${payload}`))}`
}
