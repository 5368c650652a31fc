/**
 * The bearer-token check remembers tokens it verified; what it remembers must never let a token in
 * that a fresh check would refuse: an altered token, or one that expired since.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { makeVerifier } from "../src/Auth.js"
import * as Token from "../src/Token.js"

const secret = "s".repeat(40)

describe("Auth.makeVerifier", () => {
  it.effect("a remembered token still expires, and an altered one is refused", () =>
    Effect.gen(function* () {
      const verify = makeVerifier(Redacted.make(secret))
      const token = Token.mint(secret, { sub: "ana", role: "user" }, 0, 60)
      assert.deepStrictEqual(yield* verify(token), { _tag: "User", userId: "ana" } as never)
      assert.deepStrictEqual(yield* verify(token), { _tag: "User", userId: "ana" } as never) // from memory

      const [h, p, s] = token.split(".") as [string, string, string]
      const admin = Buffer.from(JSON.stringify({ sub: "ana", role: "admin", iat: 0, exp: 60 })).toString("base64url")
      const forged = yield* Effect.flip(verify(`${h}.${admin}.${s}`))
      assert.strictEqual(forged.message, "bad signature")
      assert.strictEqual((yield* Effect.flip(verify(`${h}.${p}.${s.slice(0, -2)}AA`))).message, "bad signature")

      yield* TestClock.adjust("60 seconds")
      assert.strictEqual((yield* Effect.flip(verify(token))).message, "token expired")
    })
  )

  it.effect("a token signed with another secret is refused", () =>
    Effect.gen(function* () {
      const verify = makeVerifier(Redacted.make(secret))
      const other = Token.mint("o".repeat(40), { sub: "ana", role: "admin" }, 0, 60)
      assert.strictEqual((yield* Effect.flip(verify(other))).message, "bad signature")
      assert.strictEqual((yield* Effect.flip(verify(""))).message, "missing bearer token")
    })
  )
})
