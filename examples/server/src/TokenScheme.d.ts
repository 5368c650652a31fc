/** Types of `TokenScheme.js`, the token signing scheme in plain JavaScript (see there for why). */

/** The file in the data directory that holds the development secret (written by the server). */
export declare const secretFileName: string

/** The encoded header of every token: `{"alg":"HS256","typ":"JWT"}`. */
export declare const header: string

/** The HMAC-SHA256 of `input` under `secret`. */
export declare const sign: (secret: string, input: string) => Buffer

/** A token for `claims.sub` with `claims.role`, valid for `ttlSeconds` (default 24 hours) from `nowSeconds`. */
export declare const mint: (
  secret: string,
  claims: { readonly sub: string; readonly role: string },
  nowSeconds: number,
  ttlSeconds?: number
) => string
