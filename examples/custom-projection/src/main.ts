/**
 * A host's own projection, registered next to the built-ins and built from a log that existed before
 * it: `npx -y pnpm@10 --filter @stint/example-custom-projection start [file.db]`.
 *
 * 1. Last month the programme ran with Stint's built-in read models only (on an SQLite file).
 * 2. Today the host adds DemandByArea: Stint builds it from the whole log, reporting progress, and
 *    the programme sees where mentors are missing.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Projections, ReadModels } from "@stint/core"
import { Effect, TestContext } from "effect"
import * as DemandByArea from "./DemandByArea.js"
import { lastMonth, stintOn } from "./Story.js"

const file = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), "stint-demand-")), "stint.db")

const today = Effect.gen(function* () {
  const projections = yield* Projections.Projections
  yield* projections.rebuild(DemandByArea.projection.name, {
    onProgress: (p) => Effect.sync(() => console.log(`  building ${p.name}: ${p.eventsDone}/${p.eventsTotal} events`))
  })
  const page = yield* projections.list(DemandByArea.projection, { index: "byRequests" })
  console.log("\nDemand by area, busiest first:")
  console.log("  area         requests  agreed  declined  expired  open  acceptance  median answer")
  for (const { document: d } of page.items) {
    if (d._tag !== "AreaDemand") continue
    const acceptance = d.acceptanceRate === null ? "-" : `${Math.round(d.acceptanceRate * 100)}%`
    const median = d.medianResponseMinutes === null ? "-" : `${Math.round(d.medianResponseMinutes / 60)} h`
    console.log(
      `  ${d.area.padEnd(12)} ${String(d.requests).padStart(8)} ${String(d.agreed).padStart(7)} ${String(d.declined).padStart(9)} ${String(d.expired).padStart(8)} ${String(d.open).padStart(5)} ${acceptance.padStart(11)} ${median.padStart(14)}`
    )
  }
  console.log("\nShort of mentors:")
  for (const { document: d } of page.items) {
    if (d._tag !== "AreaDemand") continue
    const signals = DemandByArea.shortageSignals(d)
    if (signals.length > 0) console.log(`  ${d.area}: ${signals.join(", ")}`)
  }
  return page.items.length
})

const main = Effect.gen(function* () {
  console.log(`Stint on ${file}\n\n1. Last month, with the built-in read models:`)
  const expiries = yield* Effect.provide(lastMonth, stintOn(file, ReadModels.options({ run: false })))
  console.log(`  40 requests; the deadline process expired ${expiries.sent} that nobody could take`)
  console.log("\n2. Today the host registers DemandByArea; it is built from the existing log:")
  yield* Effect.provide(today, stintOn(file, ReadModels.options({ async: [DemandByArea.projection], run: false })))
})

Effect.runPromise(main.pipe(Effect.provide(TestContext.TestContext))).catch((error) => {
  console.error(error)
  process.exit(1)
})
