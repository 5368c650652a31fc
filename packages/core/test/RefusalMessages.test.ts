/**
 * Refusal messages are read by people (HTTP error bodies, logs, the Promise API's rejections):
 * times in them are ISO instants, as in the refusal's encoded fields, not `DateTime.Utc(…)`.
 */
import { Refusal } from "@stint/core"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"

const at = DateTime.unsafeMake("2026-03-04T05:06:07.000Z")
const iso = "2026-03-04T05:06:07.000Z"

describe("refusal messages", () => {
  it("print times as ISO instants", () => {
    const refusals = [
      new Refusal.RequestExpired({ expiredAt: at }),
      new Refusal.NotDueYet({ command: "CloseEngagement", dueAt: at }),
      new Refusal.SessionOutsideWindow({ heldAt: at, reason: "after_end", windowStart: at, windowEnd: at }),
      new Refusal.DuplicateSession({ sessionId: "s-1", heldAt: at }),
      new Refusal.WindowClosed({ window: "feedback", closedAt: at }),
      new Refusal.CooldownActive({ until: at })
    ]
    for (const refusal of refusals) {
      assert.include(refusal.message, iso, refusal._tag)
      assert.notInclude(refusal.message, "DateTime", refusal._tag)
    }
  })
})
