/**
 * The server answers every refusal with the status of its kind (`Refusal.kindOf`), carrying the
 * refusal's tag, message and fields, as docs/http-api.md says; other failures keep their own status.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Refusal } from "@stint/core"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, FastCheck, Schema } from "effect"
import { httpError } from "../src/Commands.js"

/** The status each kind gets, as docs/http-api.md states it. */
const statusOfKind = { forbidden: 403, not_found: 404, invalid: 422, conflict: 409 } as const

const schemaOf = (error: ReturnType<typeof httpError>) =>
  error.constructor as unknown as Schema.Schema<unknown, unknown>

const statusOf = (error: ReturnType<typeof httpError>): number => HttpApiSchema.getStatusError(schemaOf(error))

/** The JSON body the server sends for the error. */
const bodyOf = (error: ReturnType<typeof httpError>): unknown => Schema.encodeUnknownSync(schemaOf(error))(error)

const encode = Schema.encodeSync(Refusal.Refusal)

describe("httpError", () => {
  it("answers every refusal with its kind's status, its tag, message and fields", () => {
    for (const member of Refusal.Refusal.members) {
      for (const refusal of FastCheck.sample(Arbitrary.make(member as Schema.Schema<Refusal.Refusal, unknown>), 5)) {
        const error = httpError(refusal)
        const { _tag, ...details } = encode(refusal)
        assert.strictEqual(statusOf(error), statusOfKind[Refusal.kindOf(refusal)], _tag)
        assert.deepStrictEqual(
          bodyOf(error),
          { refusal: _tag, message: refusal.message, details, _tag: error._tag },
          _tag
        )
      }
    }
  })

  it("answers the NoteNotAllowed refusal 409 and a missing mentor 404 with its details", () => {
    const note = httpError(new Refusal.NoteNotAllowed({ status: "closed", visibility: "shared" }))
    assert.strictEqual(statusOf(note), 409)
    const mentor = httpError(new Refusal.MentorNotFound({ mentorId: "nobody" }))
    assert.strictEqual(statusOf(mentor), 404)
    assert.deepStrictEqual(bodyOf(mentor), {
      message: "nobody is not registered as a mentor",
      refusal: "MentorNotFound",
      details: { mentorId: "nobody" },
      _tag: "NotFound"
    })
  })

  it("answers a lost race 409 and a failing store 503", () => {
    assert.strictEqual(statusOf(httpError({ _tag: "WrongExpectedVersion", message: "stream moved" })), 409)
    assert.strictEqual(statusOf(httpError({ _tag: "StoreError", message: "disk full" })), 503)
  })
})
