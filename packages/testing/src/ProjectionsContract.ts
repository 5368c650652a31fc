/**
 * The projections contract: one suite every projection store runs (memory, SQLite, PostgreSQL), so
 * inline and async projections, listing, paging and rebuilds mean the same everywhere. Each test
 * builds its own layer, over storage of its own.
 */
import * as Ids from "@stint/core/Ids"
import * as Codec from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import * as Projections from "@stint/core/Projections"
import { ProjectionStore } from "@stint/core/ProjectionStore"
import * as Checkpoint from "@stint/core/Checkpoint"
import { EventStore } from "@stint/core/EventStore"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { counting, declare, declareMany, interests, total } from "./ProjectionFixtures.js"

export { counting, declare, declareMany, interests, total } from "./ProjectionFixtures.js"

/**
 * A projection store's side of a live inline generation: it refuses checkpoint moves (appends keep
 * it current, no builder may move it), but takes documents without a move (the append hook's
 * writes). Every `ProjectionStore` runs it.
 */
export const liveInlineGenerationRefusesMoves = Effect.gen(function* () {
  const store = yield* ProjectionStore
  const generation = yield* store.create("p", { version: 1, inline: true })
  const move = (from: Checkpoint.Checkpoint, to: Checkpoint.Checkpoint) =>
    store.commit(generation, [], { from, to, events: 1 })
  yield* move(Checkpoint.start, { commit: 1n, position: 1n })
  yield* store.promote(generation)
  const refused = yield* Effect.flip(move({ commit: 1n, position: 1n }, { commit: 2n, position: 2n }))
  assert.strictEqual(refused._tag === "CheckpointConflict" ? refused.actual : refused._tag, "live")
  yield* store.commit(generation, [{ id: "a", document: { n: 1 }, keys: [] }])
  assert.deepStrictEqual([...(yield* store.getMany(generation, ["a"]))], [["a", { n: 1 }]])
})

/**
 * A projection store's side of a switch: a generation retired by another's switch (its documents
 * dropped) is never made live again, and the refusal changes nothing; switching to the live one again
 * changes nothing either. Every `ProjectionStore` runs it.
 */
export const retiredGenerationStaysRetired = Effect.gen(function* () {
  const store = yield* ProjectionStore
  const first = yield* store.create("p", { version: 1, inline: false })
  const second = yield* store.create("p", { version: 1, inline: false })
  yield* store.commit(second, [{ id: "a", document: { n: 2 }, keys: [] }], {
    from: Checkpoint.start,
    to: { commit: 1n, position: 1n },
    events: 1
  })
  yield* store.promote(second)
  const refused = yield* Effect.flip(store.promote(first))
  assert.deepStrictEqual(refused._tag === "CheckpointConflict" ? [refused.name, refused.actual] : refused._tag, [
    "p#1",
    "retired"
  ])
  assert.deepStrictEqual(
    (yield* store.generations("p")).map((g) => g.state),
    ["retired", "live"]
  )
  assert.deepStrictEqual([...(yield* store.getMany(second, ["a"]))], [["a", { n: 2 }]])
  // Switching to the live generation again (a co-builder's late switch) changes nothing: a rebuild
  // begun since goes on.
  const third = yield* store.create("p", { version: 1, inline: false })
  yield* store.promote(second)
  assert.deepStrictEqual(
    (yield* store.generations("p")).map((g) => g.state),
    ["retired", "live", "building"]
  )
  yield* store.promote(third)
  assert.deepStrictEqual(
    (yield* store.generations("p")).map((g) => g.state),
    ["retired", "retired", "live"]
  )
})

/** Builds `Projections` (and the event store it reads) over new, empty storage for each test. */
export type Subject = (options: Projections.Options) => Layer.Layer<Projections.Projections | EventStore, unknown>

const ids = (page: { readonly items: ReadonlyArray<{ readonly id: string }> }) => page.items.map((i) => i.id)

export const projectionsContract = (name: string, subject: Subject): void => {
  describe(`Projections contract: ${name}`, () => {
    it.effect("inline: the document changes with the append (read-your-writes)", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const projection = interests()
        yield* projections.catchUp() // the first generation goes live
        yield* declare("ben", ["sql", "testing"])
        const doc = yield* projections.get(projection, "ben")
        assert.deepStrictEqual(
          Option.map(doc, (d) => d.areas),
          Option.some(["sql", "testing"])
        )
        yield* declare("ben", ["sql"])
        assert.strictEqual(Option.getOrThrow(yield* projections.get(projection, "ben")).declarations, 2)
      }).pipe(Effect.provide(subject({ inline: [interests()], run: false })))
    )

    it.effect("async: documents follow the log when the runner catches up, exactly once", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const projection = interests()
        yield* declare("ana", ["sql"])
        yield* declare("ana", ["go"])
        assert.isTrue(Option.isNone(yield* projections.get(projection, "ana")))
        yield* projections.catchUp()
        yield* projections.catchUp() // nothing new: nothing applied twice
        const doc = Option.getOrThrow(yield* projections.get(projection, "ana"))
        assert.deepStrictEqual([doc.areas, doc.declarations], [["go"], 2])
        const [status] = yield* projections.status
        assert.strictEqual(status!.serving!.eventsDone, 2)
        assert.strictEqual(status!.serving!.eventsTotal, 2)
      }).pipe(Effect.provide(subject({ async: [interests()], run: false })))
    )

    it.live("the started runner follows new events", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        yield* declare("cy", ["rust"])
        let found = Option.none<unknown>()
        for (let i = 0; i < 200 && Option.isNone(found); i++) {
          found = yield* projections.get(interests(), "cy")
          if (Option.isNone(found)) yield* Effect.sleep("20 millis")
        }
        assert.isTrue(Option.isSome(found))
      }).pipe(Effect.provide(subject({ async: [interests()], leaseRetry: "50 millis" })))
    )

    it.effect("list: by index prefix, range, order and pages; documents under several keys", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const projection = interests()
        yield* projections.catchUp()
        for (const [i, mentee] of ["m1", "m2", "m3", "m4", "m5"].entries()) {
          yield* declare(mentee, i % 2 === 0 ? ["sql", "go"] : ["go"], i)
        }
        yield* declare("m5", ["go"]) // declarations 2, no longer under sql
        yield* declare("m4", []) // deleted: gone from every index
        assert.deepStrictEqual(ids(yield* projections.list(projection, { index: "byArea", prefix: ["sql"] })), [
          "m1",
          "m3"
        ])
        assert.deepStrictEqual(ids(yield* projections.list(projection, { index: "byArea", prefix: ["go"] })), [
          "m1",
          "m2",
          "m3",
          "m5"
        ])
        assert.deepStrictEqual(
          ids(yield* projections.list(projection, { index: "byArea", prefix: ["go"], direction: "desc" })),
          ["m5", "m3", "m2", "m1"]
        )
        assert.deepStrictEqual(
          ids(yield* projections.list(projection, { index: "byDeclarations", range: { gte: 2 } })),
          ["m5"]
        )
        assert.deepStrictEqual(
          ids(yield* projections.list(projection, { index: "byDeclarations", range: { lt: 2 } })),
          ["m1", "m2", "m3"]
        )
        // Every key of a multi-key index: m1 and m3 under go and sql.
        assert.strictEqual((yield* projections.list(projection, { index: "byArea" })).items.length, 6)
        assert.deepStrictEqual(ids(yield* projections.list(projection)), ["m1", "m2", "m3", "m5"])
        assert.deepStrictEqual(ids(yield* projections.list(projection, { range: { gte: "m2", lt: "m5" } })), [
          "m2",
          "m3"
        ])
        for (const direction of ["asc", "desc"] as const) {
          const seen: Array<string> = []
          let cursor: string | undefined
          do {
            const page = yield* projections.list(projection, {
              index: "byArea",
              direction,
              limit: 2,
              ...(cursor ? { cursor } : {})
            })
            assert.isAtMost(page.items.length, 2)
            seen.push(...page.items.map((i) => `${i.document.areas.length}:${i.id}`))
            cursor = page.next
          } while (cursor !== undefined)
          const whole = yield* projections.list(projection, { index: "byArea", direction })
          assert.deepStrictEqual(
            seen,
            whole.items.map((i) => `${i.document.areas.length}:${i.id}`)
          )
          assert.strictEqual(seen.length, 6)
        }
      }).pipe(Effect.provide(subject({ inline: [interests()], run: false })))
    )

    it.effect("list: an unknown index, a forged cursor or a bad limit is an InvalidQuery", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        // Untyped on purpose: a host without TypeScript can still send an unknown index at run time.
        const projection: Projections.AnyProjection = interests()
        const tags = yield* Effect.forEach(
          [
            { index: "nope" },
            { cursor: "not-a-cursor" },
            { limit: 0 },
            { limit: 1001 },
            { prefix: ["sql"] },
            { index: "byArea", prefix: [Number.NaN] }
          ],
          (query) => Effect.flip(projections.list(projection, query)).pipe(Effect.map((e) => e._tag))
        )
        assert.deepStrictEqual(tags, Array(6).fill("InvalidQuery"))
      }).pipe(Effect.provide(subject({ async: [interests()], run: false })))
    )

    it.effect("rebuild: a new generation from the whole log, switched to when caught up, with progress", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const projection = interests()
        for (let i = 0; i < 7; i++) yield* declare(`r${i}`, ["sql"], i)
        yield* projections.catchUp()
        const before = (yield* projections.status)[0]!.serving!.generation
        const progress: Array<readonly [number, number]> = []
        yield* projections.rebuild(projection.name, {
          onProgress: (p) => Effect.sync(() => progress.push([p.eventsDone, p.eventsTotal]))
        })
        const [status] = yield* projections.status
        assert.strictEqual(status!.serving!.generation, before + 1)
        assert.strictEqual(status!.serving!.eventsDone, 7)
        assert.deepStrictEqual(progress.at(-1), [7, 7])
        assert.deepStrictEqual(
          progress.map(([done]) => done),
          [3, 6, 7]
        )
        assert.strictEqual((yield* projections.list(projection, { index: "byArea", prefix: ["sql"] })).items.length, 7)
      }).pipe(Effect.provide(subject({ async: [interests()], run: false, batchSize: 3 })))
    )

    it.live("two builders of one inline generation: the late one never applies events again", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        for (let i = 0; i < 6; i++) yield* declareMany(`b${i}`, 10)
        // Three build the same generation while appends go on; one switches it live, the others must
        // stop, though the live generation's checkpoint no longer moves (appends keep it current).
        const writes = Effect.forEach(
          Array.from({ length: 40 }, (_, i) => i),
          (i) => declare(`b${i % 6}`, ["sql"]),
          {
            discard: true
          }
        )
        yield* Effect.all([projections.catchUp(), writes, projections.catchUp(), projections.catchUp()], {
          concurrency: "unbounded"
        })
        yield* Effect.all([writes, projections.catchUp()], { concurrency: "unbounded" })
        const store = yield* EventStore
        for (let i = 0; i < 6; i++) {
          const length = (yield* store.readStream(Codec.menteeStream(`b${i}`))).length
          const doc = Option.getOrThrow(yield* projections.get(counting, `b${i}`))
          assert.deepStrictEqual(doc, { events: length, lastVersion: length }, `stream b${i}`)
        }
      }).pipe(Effect.provide(subject({ inline: [counting], run: false, batchSize: 4 })))
    )

    it.live("inline, concurrent appends to different streams all update one document: none is lost", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        yield* projections.catchUp()
        yield* Effect.forEach(
          Array.from({ length: 120 }, (_, i) => i),
          (i) => declare(`t${i % 12}`, ["sql"]),
          {
            concurrency: 8,
            discard: true
          }
        )
        assert.deepStrictEqual(Option.getOrThrow(yield* projections.get(total, "total")), { events: 120 })
      }).pipe(Effect.provide(subject({ inline: [total], run: false })))
    )

    it.effect("an inline projection with a failing apply rolls its append back", () =>
      Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const store = yield* EventStore
        yield* projections.catchUp()
        const before = yield* store.head
        const exit = yield* Effect.exit(declare("boom", ["explodes"]))
        assert.isTrue(Exit.isFailure(exit))
        assert.deepStrictEqual(yield* store.head, before)
        assert.strictEqual((yield* store.readStream(Codec.menteeStream("boom"))).length, 0)
        yield* declare("fine", ["sql"])
        assert.isTrue(Option.isSome(yield* projections.get(interests(), "fine")))
      }).pipe(
        Effect.provide(
          subject({
            inline: [
              Projection.make({
                ...interests(),
                apply: (envelope, documents) => {
                  if (
                    envelope.event._tag === "InterestsDeclared" &&
                    envelope.event.areas.includes(Ids.Area.make("explodes"))
                  )
                    throw new Error("a bug in apply")
                  return interests().apply(envelope, documents)
                }
              })
            ],
            run: false
          })
        )
      )
    )
  })
}
