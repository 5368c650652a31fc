/** How `stream` and `tail` print events: `--redact-notes` hides what people wrote in their own words. */
import * as Actor from "@stint/core/Actor"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Format from "../src/internal/format.js"

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent =>
  ({
    eventId: "e",
    streamId: "engagement-1",
    version: 1,
    position: 1n,
    commit: 1n,
    type,
    data: { _tag: type, ...data },
    metadata: {
      commandId: "c",
      correlationId: "c",
      causationId: "c",
      actor: Actor.system,
      recordedAt: DateTime.unsafeMake(0),
      schemaVersion: 1
    }
  }) as unknown as RecordedEvent

describe("Format --redact-notes", () => {
  it("hides note text, feedback comments and the reasons of a decline or a close, and nothing else", () => {
    const cases = [
      recorded("NoteAdded", { text: "secret", visibility: "private" }),
      recorded("FeedbackGiven", { comment: "secret", rating: 4 }),
      recorded("EngagementDeclined", { reason: "secret", declinedBy: "mentor" }),
      recorded("EngagementClosed", { reason: "secret", outcome: "ended_early" })
    ]
    for (const event of cases) {
      const line = Format.eventLine(event, { redactNotes: true })
      assert.notInclude(line, "secret", event.type)
      assert.include(line, "[redacted]", event.type)
      assert.include(Format.eventLine(event), "secret", "printed as stored without the flag")
      assert.notInclude(Format.eventJson(event, { redactNotes: true }), "secret", event.type)
    }
    const feedback = Format.eventLine(recorded("FeedbackGiven", { rating: 4 }), { redactNotes: true })
    assert.notInclude(feedback, "[redacted]", "no comment, nothing to hide")
  })
})
