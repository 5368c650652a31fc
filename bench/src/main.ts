/**
 * `pnpm bench`: every implementation on every backend, sequential and with 8 loops, in one process
 * and one run, so Stint and its peers are compared on the same machine at the same moment. Runs are
 * interleaved (run 1 of everything, then run 2…) and the order of implementations rotates from run to
 * run, so drift and warm caches do not favour one of them. Writes `bench/RESULTS.md` and prints it.
 *
 * Then, on the SQL backends, the projections: a full rebuild of the built-in read models from a
 * realistic log, and their lag and cost under the 8-loop workload (`projections/Run.ts`).
 *
 * Environment: `BENCH_N` (engagements, default 2000), `BENCH_RUNS` (default 3), `BENCH_BACKENDS`
 * (comma-separated subset of memory,sqlite,pg), `BENCH_REBUILD_EVENTS` (events of the log the
 * projections are rebuilt from, default 100000), `STINT_PG_URL` (use this server instead of starting one).
 */
import { writeFileSync } from "node:fs"
import * as Harness from "./Harness.js"
import * as Implementations from "./Implementations.js"
import * as Machine from "./Machine.js"
import * as Memory from "./Memory.js"
import * as Places from "./Places.js"
import * as ProjectionsReport from "./projections/Report.js"
import * as ProjectionsRun from "./projections/Run.js"
import * as ResultsFile from "./ResultsFile.js"
import type { Backend, Implementation } from "./Subject.js"
import * as StintDomain from "./stint/StintDomain.js"
import * as Table from "./Table.js"
import { positiveInt } from "./Env.js"

const engagements = positiveInt("BENCH_N", 2000)
const runs = positiveInt("BENCH_RUNS", 3)
const rebuildEvents = positiveInt("BENCH_REBUILD_EVENTS", 100_000)
// Enough engagements to warm the JIT, the statement caches and the connections on every loop.
const warmup = Math.max(16, Math.min(200, Math.ceil(engagements / 20)))
const requested = (process.env.BENCH_BACKENDS ?? "memory,sqlite,pg").split(",").map((b) => b.trim())
const unknown = requested.filter((b) => !Implementations.backends.includes(b as Backend))
if (unknown.length > 0) throw new Error(`BENCH_BACKENDS: unknown backends ${unknown.join(", ")}`)

/**
 * Emmett's default SQLite mode opens a new connection for every operation: at the full N it would
 * take most of the bench's time, so it runs a quarter of N (the report says so). Everything else runs N.
 */
const engagementsOf = (backend: Backend, implementation: Implementation): number =>
  backend === "sqlite" && implementation === "emmett" ? Math.max(100, Math.ceil(engagements / 4)) : engagements

const started = performance.now()
const facts = Machine.facts()
if (!Memory.canCollect())
  console.warn("warning: run with --expose-gc (as `pnpm bench` does) for comparable memory figures")
console.log(
  `Stint bench: N=${engagements}, runs=${runs}, warm-up=${warmup}, ${facts.cpus} CPUs, Node ${facts.node}, ${facts.date}`
)

const places = await Places.open()
let backends = requested as ReadonlyArray<Backend>
if ("unavailable" in places.pg && backends.includes("pg")) {
  console.error(`\n!!! ${places.pg.unavailable}: the PostgreSQL rows are SKIPPED !!!\n`)
  backends = backends.filter((b) => b !== "pg")
}

const outcomes: Array<Harness.Outcome> = []
let projections: ProjectionsRun.Results | undefined
try {
  for (let run = 1; run <= runs; run++) {
    for (const backend of backends) {
      for (const scenario of ["sequential", "concurrent"] as const) {
        const all = Implementations.byBackend[backend]
        const shift = (run - 1) % all.length
        for (const [implementation, make] of [...all.slice(shift), ...all.slice(0, shift)]) {
          const outcome = await Harness.measure(places, run, {
            backend,
            scenario,
            implementation,
            make,
            engagements: engagementsOf(backend, implementation),
            warmup
          })
          outcomes.push(outcome)
          const label = `[run ${run}/${runs}] ${backend} ${scenario === "sequential" ? "sequential" : "8 loops"} ${implementation}`
          if (Harness.isFailure(outcome)) {
            console.log(`${label}: FAILED ${outcome.error}`)
          } else {
            const scan =
              outcome.scan === undefined
                ? "no global read"
                : `scan ${Math.round(outcome.scan.eventsPerSecond)} ev/s ${outcome.scan.verdict.exact ? "exact" : `NOT EXACT (${outcome.scan.verdict.problems.join("; ")})`}`
            console.log(
              `${label}: ${Math.round(outcome.commandsPerSecond)} cmd/s in ${outcome.seconds.toFixed(1)} s, ${scan}, heap +${(outcome.peak.heapDelta / 2 ** 20).toFixed(0)} MB`
            )
          }
        }
      }
    }
  }
  projections = await ProjectionsRun.run(places, { rebuildEvents, engagements, warmup, backends })
} finally {
  await places.close()
}

const report = Table.render(outcomes, {
  facts,
  runs,
  engagements,
  warmup,
  backends,
  implementations: {
    memory: Implementations.byBackend.memory.map(([name]) => name),
    sqlite: Implementations.byBackend.sqlite.map(([name]) => name),
    pg: Implementations.byBackend.pg.map(([name]) => name)
  },
  engagementsOf,
  pg: places.pg,
  sqliteDirectory: places.directory,
  wallSeconds: (performance.now() - started) / 1000,
  domainCommandsPerEngagement: StintDomain.commandsPerEngagement
})
const projectionsSection = projections === undefined ? "" : ProjectionsReport.render(projections, { pg: places.pg })
// `pnpm bench:http` measures the HTTP section separately: keep the one already in the file.
const httpSection = ResultsFile.section(ResultsFile.read(), ResultsFile.httpHeading)
const target = ResultsFile.path
const written = report + projectionsSection
writeFileSync(
  target,
  httpSection === "" ? written : ResultsFile.withSection(written, ResultsFile.httpHeading, httpSection)
)
console.log(`\n${report}${projectionsSection}`)
console.log(`Written to ${target}${httpSection === "" ? "" : " (the HTTP load section kept as it was)"}`)
