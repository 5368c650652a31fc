/**
 * What a projection's definition is checked for. The `@ts-expect-error` lines are the test of the
 * types: `tsc -b` type-checks this file and fails if any of them compiles (an unused directive is an
 * error), so an index name or an event tag that does not exist stays a compile error.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  type Actor,
  EngagementView,
  MemoryEventStore,
  MemoryProjectionStore,
  Projection,
  Projections
} from "@stint/core"
import type { Envelope } from "@stint/core/EventCodec"
import { Cause, Effect, Exit, Layer, Schema } from "effect"

/** Counts each mentor's sessions; listed by count. */
const sessions = Projection.make({
  name: "typed-sessions",
  version: 1,
  handles: ["SessionHeld", "SessionRetracted"],
  document: Schema.Int,
  apply: ({ event }, documents) => {
    // `event` holds only the handled events: a tag it does not handle is not even comparable.
    // @ts-expect-error NoteAdded is not handled by this projection
    if (event._tag === "NoteAdded") return []
    const held = event._tag === "SessionHeld" ? event.minutes : -1
    return [Projection.put("all", (documents.get("all") ?? 0) + Math.sign(held))]
  },
  indexes: { byCount: (n) => [n] }
})

/** Never run: the calls only have to compile, or fail to. */
const compiles = (viewer: Actor.Actor) =>
  Effect.flatMap(Projections.Projections, (projections) =>
    Effect.all([
      projections.list(sessions, { index: "byCount" }),
      // @ts-expect-error the projection has no index "byCounts"
      projections.list(sessions, { index: "byCounts" }),
      projections.listView(EngagementView.readModel, { index: "byMentor", prefix: ["ana"] }, viewer),
      // @ts-expect-error EngagementView has no index "byMentors"
      projections.listView(EngagementView.readModel, { index: "byMentors", prefix: ["ana"] }, viewer)
    ])
  )

/** Never run: a definition with a tag no domain event has. */
const typo = () =>
  Projection.make({
    name: "typo",
    version: 1,
    // @ts-expect-error "SessionHold" is not the tag of a domain event
    handles: ["SessionHold"],
    document: Schema.Int,
    apply: () => []
  })

/** Never run: a projection without indexes can only be listed by id. */
const noIndexes = () =>
  Effect.flatMap(Projections.Projections, (projections) => {
    const plain = Projection.make({ name: "plain", version: 1, handles: [], document: Schema.Int, apply: () => [] })
    // @ts-expect-error a projection without indexes has no index to name
    return projections.list(plain, { index: "byCount" })
  })

describe("Projection definitions", () => {
  it("wrong index names and event tags fail to compile (the @ts-expect-error lines above, checked by tsc)", () => {
    // Never called: `tsc -b` is the judge of these; this only keeps them part of the suite.
    for (const check of [compiles, typo, noIndexes]) assert.isFunction(check)
  })

  it("infers the handled tags and index names, and keeps other events from apply", () => {
    assert.deepStrictEqual([...sessions.handles], ["SessionHeld", "SessionRetracted"])
    assert.deepStrictEqual(Object.keys(sessions.indexes), ["byCount"])
    const unhandled = { event: { _tag: "NoteAdded" }, record: {} } as unknown as Envelope
    assert.deepStrictEqual(sessions.apply(unhandled, { get: () => undefined }), [])
  })

  it("refuses a bad name or version", () => {
    const define = (name: string, version: number) => () =>
      Projection.make({ name, version, handles: [], document: Schema.Int, apply: () => [] })
    assert.throws(define("Upper", 1), /name/)
    assert.throws(define("ok", 0), /version/)
    assert.throws(define("ok", 1.5), /version/)
    assert.doesNotThrow(define("ok-2", 3))
  })

  it.effect("a projection registered twice fails the layer with InvalidProjection", () =>
    Effect.gen(function* () {
      const layer = Projections.layerWith(
        { async: [sessions, sessions], run: false },
        MemoryEventStore.layerMemory
      ).pipe(Layer.provide(MemoryProjectionStore.layer))
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
      assert.isTrue(Exit.isFailure(exit))
      const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : undefined
      assert.isTrue(defect?._tag === "Some" && defect.value instanceof Projection.InvalidProjection)
      assert.include(String(defect?._tag === "Some" ? (defect.value as Error).message : ""), "registered twice")
    })
  )
})
