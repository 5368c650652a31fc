/** The app answers every refusal with the status of its kind, the same statuses as the example server. */
import { kindOf, NoteNotAllowed, Refusal, StoreError, WrongExpectedVersion } from "@stint/node"
import { describe, expect, it } from "vitest"
import { statusOf } from "../src/errors.js"

/** The status each kind gets, as docs/http-api.md states it for the example server. */
const statusOfKind = { forbidden: 403, not_found: 404, invalid: 422, conflict: 409 } as const

describe("statusOf", () => {
  it("answers every refusal with its kind's status", () => {
    expect(Refusal.members.length).toBeGreaterThan(30)
    for (const member of Refusal.members) {
      // Only the tag matters here: an instance without its fields (validation off) stands for any.
      const refusal = new member({} as never, true)
      expect([refusal._tag, statusOf(refusal)]).toEqual([refusal._tag, statusOfKind[kindOf(refusal)]])
    }
  })

  it("answers a refusal the state does not allow 409, whatever its name says", () => {
    expect(statusOf(new NoteNotAllowed({ status: "closed", visibility: "shared" }))).toBe(409)
  })

  it("answers a lost race 409 and a failing store 503", () => {
    expect(statusOf(new WrongExpectedVersion({ streamId: "s", expected: "no_stream", actual: 1 }))).toBe(409)
    expect(statusOf(new StoreError({ method: "append", cause: new Error("disk full") }))).toBe(503)
  })
})
