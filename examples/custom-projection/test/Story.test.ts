/** The example's story: DemandByArea registered after the fact is built from the existing log. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Projection, Projections, ReadModels, Stint } from "@stint/core"
import { Chunk, Effect, Schema, Stream } from "effect"
import * as DemandByArea from "../src/DemandByArea.js"
import { lastMonth, requests, stintOn } from "../src/Story.js"

const temporaryFile = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "stint-demand-test-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
).pipe(Effect.map((directory) => join(directory, "stint.db")))

describe("custom projection example", () => {
  it.scoped("built from last month's log, it equals a rebuild and shows where mentors are missing", () =>
    Effect.gen(function* () {
      const file = yield* temporaryFile
      const expired = yield* Effect.provide(lastMonth, stintOn(file, ReadModels.options({ run: false })))
      assert.isAbove(expired.sent, 0)

      yield* Effect.gen(function* () {
        const projections = yield* Projections.Projections
        const stint = yield* Stint.Stint
        const progress: Array<number> = []
        yield* projections.rebuild(DemandByArea.projection.name, {
          onProgress: (p) => Effect.sync(() => progress.push(p.eventsDone))
        })
        const log = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
        assert.strictEqual(progress.at(-1), log.length)

        const encode = Schema.encodeSync(DemandByArea.Document)
        const stored: Record<string, unknown> = {}
        for (const item of (yield* projections.list(DemandByArea.projection, { limit: 1000 })).items) {
          stored[item.id] = encode(item.document)
        }
        const rebuilt = Projection.applyAll(DemandByArea.projection, new Map(), log)
        assert.deepStrictEqual(stored, Object.fromEntries([...rebuilt].map(([id, d]) => [id, encode(d)])))

        const busiest = (yield* projections.list(DemandByArea.projection, { index: "byRequests" })).items.map(
          ({ document: d }) => (d._tag === "AreaDemand" ? [d.area, d.requests, d.agreed, d.declined, d.expired] : [])
        )
        assert.deepStrictEqual(busiest, [
          ["typescript", 20, 9, 0, 11],
          ["sales", 12, 3, 6, 3],
          ["design", 4, 3, 0, 1],
          ["leadership", 4, 1, 0, 3]
        ])
        assert.strictEqual(
          busiest.reduce((n, row) => n + Number(row[1]), 0),
          requests
        )
        const sales = areaDocument(yield* projections.get(DemandByArea.projection, DemandByArea.areaId("sales")))
        assert.deepStrictEqual(DemandByArea.shortageSignals(sales), ["low_acceptance", "slow_response"])
      }).pipe(Effect.provide(stintOn(file, ReadModels.options({ async: [DemandByArea.projection], run: false }))))
    })
  )
})

const areaDocument = (o: import("effect").Option.Option<DemandByArea.Document>): DemandByArea.AreaDemand => {
  if (o._tag !== "Some" || o.value._tag !== "AreaDemand") throw new Error("no area document")
  return o.value
}
