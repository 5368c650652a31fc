/**
 * Every refusal has a kind, the one classification every host derives its answer from (the server's
 * and the Express example's statuses, the table in docs/http-api.md).
 */
import { Refusal } from "@stint/core"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Schema } from "effect"

const tags = Refusal.Refusal.members.map((member) => member.identifier)
const encode = Schema.encodeSync(Refusal.Refusal)

describe("refusal kinds", () => {
  it("every refusal of the union has exactly one kind, and nothing else has one", () => {
    assert.sameMembers(Object.keys(Refusal.kindByTag), tags)
    for (const tag of tags) {
      assert.include(Refusal.RefusalKind.literals, Refusal.kindByTag[tag as Refusal.Refusal["_tag"]], tag)
    }
  })

  it.prop(
    "a refusal and its encoded form (an HTTP body, a stored result) have the same kind",
    [Arbitrary.make(Refusal.Refusal)],
    ([refusal]) => {
      const kind = Refusal.kindOf(refusal)
      assert.include(Refusal.RefusalKind.literals, kind)
      assert.strictEqual(Refusal.kindOf(encode(refusal)), kind)
      // The kind is not a field: the encoding stored and sent over HTTP stays the same.
      assert.notProperty(encode(refusal), "kind")
    }
  )

  it("keeps the statuses the server gave before kinds: only these are not conflicts", () => {
    const ofKind = (kind: Refusal.RefusalKind) =>
      tags.filter((tag) => Refusal.kindOf({ _tag: tag as Refusal.Refusal["_tag"] }) === kind)
    assert.sameMembers(ofKind("forbidden"), ["NotAllowed"])
    assert.sameMembers(ofKind("not_found"), ["EngagementNotFound", "MentorNotFound", "SessionNotFound", "GoalNotFound"])
    assert.sameMembers(ofKind("invalid"), ["OutOfBounds", "SelfMentoring", "ReasonRequired", "AreaNotOffered"])
    // A note refused in this state, a deadline command before its deadline: not now, rather than never.
    assert.strictEqual(
      Refusal.kindOf(new Refusal.NoteNotAllowed({ status: "closed", visibility: "shared" })),
      "conflict"
    )
    assert.strictEqual(ofKind("conflict").length, tags.length - 9)
  })
})
