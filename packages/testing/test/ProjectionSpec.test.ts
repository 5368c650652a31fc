/** The projection value and its spec: applying events, the JSON round trip, redelivery. */
import { assert, describe, it } from "@effect/vitest"
import { EngagementEvent as E, Ids, Policy, Stint, StreamId } from "@stint/core"
import * as Projection from "@stint/core/Projection"
import { Schema } from "effect"
import { at } from "../src/DeciderSpec.js"
import * as ProjectionSpec from "../src/ProjectionSpec.js"

const ana = Ids.UserId.make("ana")
const ben = Ids.UserId.make("ben")
const first = Ids.EngagementId.make("6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b")
const second = Ids.EngagementId.make("7f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b")
const requested = (engagementId: Ids.EngagementId, area: string) =>
  E.EngagementRequested.make({
    engagementId,
    menteeId: ben,
    mentorId: ana,
    initiator: "mentee",
    area: Ids.Area.make(area),
    need: "Talk to customers",
    goals: [{ statement: "Run a discovery call", successCriterion: "One call held" }],
    ask: { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 },
    policy: Policy.defaults,
    requestedAt: at(0),
    expiresAt: at(7)
  })
const agreed = E.EngagementAgreed.make({
  scope: { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 },
  agreedBy: "mentor",
  agreedAt: at(1),
  endsAt: at(31)
})
const held = (n: number) =>
  E.SessionHeld.make({
    sessionId: Ids.SessionId.make(`${n}f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b`),
    heldAt: at(1 + n),
    minutes: 20,
    recordedBy: "mentee",
    recordedAt: at(1 + n)
  })

/** Per engagement: its area, whether it was agreed, sessions held; `through` makes redelivery harmless. */
const Status = Schema.Struct({
  area: Schema.String,
  agreed: Schema.Boolean,
  sessions: Schema.Int,
  through: Schema.Int
})
const status = Projection.make({
  name: "engagement-status",
  version: 1,
  handles: ["EngagementRequested", "EngagementAgreed", "SessionHeld"],
  document: Status,
  apply: ({ event, record }, documents) => {
    const id = StreamId.idOf(record.streamId)
    const current = documents.get(id)
    if (current !== undefined && record.version <= current.through) return []
    const base = current ?? { area: "", agreed: false, sessions: 0, through: 0 }
    switch (event._tag) {
      case "EngagementRequested":
        return [Projection.put(id, { ...base, area: event.area, through: record.version })]
      case "EngagementAgreed":
        return [Projection.put(id, { ...base, agreed: true, through: record.version })]
      case "SessionHeld":
        return [Projection.put(id, { ...base, sessions: base.sessions + 1, through: record.version })]
      default:
        return []
    }
  }
})

describe("Projection and ProjectionSpec", () => {
  it("documents after the events, stream by stream; events it does not handle never reach apply", () => {
    ProjectionSpec.given(status)
      .when(Stint.engagementStream(first), [requested(first, "customers"), agreed, held(1), held(2)])
      .when(Stint.engagementStream(second), [
        requested(second, "typescript"),
        E.RequestWithdrawn.make({ withdrawnBy: "mentee", withdrawnAt: at(2) })
      ])
      .thenDocuments({
        [first]: { area: "customers", agreed: true, sessions: 2, through: 4 },
        [second]: { area: "typescript", agreed: false, sessions: 0, through: 1 }
      })
      .thenDocument(second, { area: "typescript", agreed: false, sessions: 0, through: 1 })
      .thenIdempotent()
  })

  it("a projection that counts a redelivered event twice fails thenIdempotent", () => {
    const counting = Projection.make({
      name: "sessions",
      version: 1,
      handles: ["SessionHeld"],
      document: Schema.Int,
      apply: (_, documents) => [Projection.put("all", (documents.get("all") ?? 0) + 1)]
    })
    const spec = ProjectionSpec.given(counting).when(Stint.engagementStream(first), [held(1), held(2)])
    spec.thenDocuments({ all: 2 })
    assert.throws(() => spec.thenIdempotent(), /second delivery/)
  })

  it("a document that does not survive its schema through JSON fails the spec", () => {
    const lossy = Projection.make({
      name: "lossy",
      version: 1,
      handles: ["SessionHeld"],
      // NaN is a number, but JSON stores it as null, which does not read back.
      document: Schema.Struct({ minutes: Schema.Number }),
      apply: () => [Projection.put("last", { minutes: Number.NaN })]
    })
    assert.throws(
      () =>
        ProjectionSpec.given(lossy)
          .when(Stint.engagementStream(first), [held(1)])
          .thenDocument("last", { minutes: Number.NaN }),
      /does not survive its schema through JSON/
    )
  })
})
