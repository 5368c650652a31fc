/**
 * `pnpm bench:http`: the example server under HTTP load on each backend, beside the same workload
 * in-process in the same run (`InProcess`, then `OverHttp`, backend by backend). Replaces the
 * "HTTP load" section of `bench/RESULTS.md` (and only that section) and prints it.
 *
 * Environment: `BENCH_HTTP_N` (engagements per connection, default 250), `BENCH_HTTP_CONNECTIONS`
 * (default 8), `BENCH_HTTP_PACED_N` (engagements of the paced phase per connection, default 100),
 * `BENCH_BACKENDS` (comma-separated subset of sqlite,pg; memory has no server and is
 * skipped), `BENCH_HTTP_SERVER` (`bundled`, the default, or `tsx`), `STINT_PG_URL` (use this
 * PostgreSQL server instead of starting one).
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Machine from "../Machine.js"
import * as Places from "../Places.js"
import * as ResultsFile from "../ResultsFile.js"
import * as Workload from "../Workload.js"
import * as InProcess from "./InProcess.js"
import * as Load from "./Load.js"
import * as OverHttp from "./OverHttp.js"
import * as Report from "./Report.js"
import { positiveInt } from "../Env.js"

const perConnection = positiveInt("BENCH_HTTP_N", 250)
const connections = positiveInt("BENCH_HTTP_CONNECTIONS", Workload.concurrentLoops)
const engagements = perConnection * connections
const pacedEngagements = positiveInt("BENCH_HTTP_PACED_N", 100) * connections
// As `pnpm bench`: enough to warm the JIT, the statement caches and the connections; whole rounds.
const warmup = Math.ceil(Math.max(16, Math.min(200, Math.ceil(engagements / 20))) / connections) * connections
const mode = process.env.BENCH_HTTP_SERVER ?? "bundled"
if (mode !== "bundled" && mode !== "tsx") throw new Error(`BENCH_HTTP_SERVER must be bundled or tsx, got ${mode}`)
const requested = (process.env.BENCH_BACKENDS ?? "sqlite,pg").split(",").map((b) => b.trim())
const unknown = requested.filter((b) => !["memory", "sqlite", "pg"].includes(b))
if (unknown.length > 0) throw new Error(`BENCH_BACKENDS: unknown backends ${unknown.join(", ")}`)
if (requested.includes("memory")) console.log("BENCH_BACKENDS: the server has no memory backend; skipping memory")
let backends = requested.filter((b): b is "sqlite" | "pg" => b === "sqlite" || b === "pg")

const autocannonVersion = (() => {
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "autocannon", "package.json")
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version
})()

const started = performance.now()
const facts = Machine.facts()
console.log(
  `Stint HTTP bench: ${connections} connections × ${perConnection} engagements (${engagements * Load.steps.length} commands), warm-up ${warmup} engagements, server ${mode}, ${facts.cpus} CPUs, Node ${facts.node}, ${facts.date}`
)

const places = await Places.open()
if ("unavailable" in places.pg && backends.includes("pg")) {
  console.error(`\n!!! ${places.pg.unavailable}: the PostgreSQL rows are SKIPPED !!!\n`)
  backends = backends.filter((b) => b !== "pg")
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const outcomes: Array<Report.Outcome> = []
try {
  for (const backend of backends) {
    let inProcess: Report.Outcome["inProcess"]
    try {
      inProcess = await InProcess.measure(places, backend, connections, warmup, engagements)
      console.log(
        `[${backend}] in-process: ${Math.round(inProcess.commands / inProcess.seconds)} cmd/s (${inProcess.commands} commands in ${inProcess.seconds.toFixed(1)} s; ${Math.round(Report.sustained(inProcess))} cmd/s until the read models were at the head)`
      )
    } catch (error) {
      inProcess = { error: describe(error) }
      console.log(`[${backend}] in-process: FAILED ${inProcess.error}`)
    }
    let http: Report.Outcome["http"]
    try {
      // The goal's rate: half of what the same backend sustains in-process.
      const pacedRate = "error" in inProcess ? undefined : Report.goalRatio * Report.sustained(inProcess)
      http = await OverHttp.measure(places, backend, {
        mode,
        connections,
        warmup,
        engagements,
        pacedRate,
        pacedEngagements
      })
      const { load } = http
      const latency = Report.latencyOf(load)
      console.log(
        `[${backend}] HTTP: ${Math.round(load.responses / load.seconds)} req/s (${load.responses} in ${load.seconds.toFixed(1)} s), p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, errors: ${Report.errorsOf(load)}`
      )
      if (http.paced !== undefined) {
        const paced = Report.latencyOf(http.paced.load)
        console.log(
          `[${backend}] HTTP paced at ${Math.round(http.paced.rate)} cmd/s: reached ${Math.round(http.paced.load.responses / http.paced.load.seconds)} req/s, p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms, errors: ${Report.errorsOf(http.paced.load)}`
        )
      }
    } catch (error) {
      http = { error: describe(error) }
      console.log(`[${backend}] HTTP: FAILED ${http.error}`)
    }
    outcomes.push({ backend, inProcess, http })
  }
} finally {
  await places.close()
}

const section = Report.render(outcomes, {
  facts,
  pg: places.pg,
  mode,
  connections,
  perConnection,
  pacedEngagements,
  warmup,
  mentors: Math.min(engagements, Workload.mentorsPerLoop * Workload.concurrentLoops),
  autocannon: autocannonVersion,
  wallSeconds: (performance.now() - started) / 1000
})
ResultsFile.writeSection(ResultsFile.httpHeading, section)
console.log(`\n${section}`)
console.log(`Written to ${ResultsFile.path} (the "${ResultsFile.httpHeading.slice(3)}" section only)`)
