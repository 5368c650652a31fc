/**
 * The "HTTP load" section of `bench/RESULTS.md`: per backend, the in-process rate and the HTTP rate
 * measured in the same run, their ratio, latency percentiles, every non-2xx answer by status and
 * refusal, the goal with ✓ or ✗, and where the CPU went. A failure is shown, never dropped.
 */
import type { Facts } from "../Machine.js"
import * as Places from "../Places.js"
import * as StintDomain from "../stint/StintDomain.js"
import { httpHeading } from "../ResultsFile.js"
import type * as InProcess from "./InProcess.js"
import * as Load from "./Load.js"
import type * as OverHttp from "./OverHttp.js"
import type { Mode } from "./ServerProcess.js"
import { int, percentile } from "../Figures.js"

/** The issue's goal: over HTTP at least this share of the in-process rate… */
export const goalRatio = 0.5
/** …with the 99th percentile latency under this many milliseconds. */
export const goalP99Ms = 50

type Failed = { readonly error: string }

export interface Outcome {
  readonly backend: "sqlite" | "pg"
  readonly inProcess: InProcess.Result | Failed
  readonly http: OverHttp.Result | Failed
}

export interface Context {
  readonly facts: Facts
  readonly pg: Places.Places["pg"]
  readonly mode: Mode
  readonly connections: number
  /** Engagements per connection. */
  readonly perConnection: number
  /** Engagements of the paced phase, in all. */
  readonly pacedEngagements: number
  /** Warm-up engagements in all. */
  readonly warmup: number
  /** Mentors of the measured engagements. */
  readonly mentors: number
  readonly autocannon: string
  readonly wallSeconds: number
}

const failed = <A extends object>(value: A | Failed): value is Failed => "error" in value

/**
 * Commands per second until every async read model was at the head after the last one: the same
 * work on both sides. In-process, the loops outrun the async runners (they catch up afterwards);
 * the server interleaves them with requests, so its commands-only rate already pays for them.
 */
export const sustained = (result: InProcess.Result): number =>
  result.commands / (result.seconds + result.caughtUpAfterMs / 1000)

const sustainedHttp = (load: Load.Result, caughtUpAfterMs: number): number =>
  load.accepted / (load.seconds + caughtUpAfterMs / 1000)

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : "—")
const times = (value: number): string => `${value.toFixed(2)}×`
const percent = (value: number): string => `${Math.round(value * 100)} %`

/** The latency figures of one load. */
export const latencyOf = (load: Load.Result) => {
  const sorted = Float64Array.from(load.latencies).sort()
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!
  }
}

/** Non-2xx answers and transport failures, or "none". */
export const errorsOf = (load: Load.Result): string => {
  const parts = [...load.refusals].sort((a, b) => b[1].count - a[1].count).map(([key, r]) => `${key} ×${int(r.count)}`)
  if (load.connectionErrors > 0) parts.push(`socket errors ×${load.connectionErrors}`)
  if (load.timeouts > 0) parts.push(`timeouts ×${load.timeouts}`)
  return parts.length === 0 ? "none" : parts.join(", ")
}

export const render = (outcomes: ReadonlyArray<Outcome>, context: Context): string => {
  const label = (backend: "sqlite" | "pg") => Places.label(context.pg, backend)
  const engagements = context.connections * context.perConnection
  const commands = engagements * Load.steps.length
  const notes: Array<string> = []

  const rows = outcomes.map((outcome) => {
    const backend = label(outcome.backend)
    const inProcess = failed(outcome.inProcess) ? undefined : outcome.inProcess
    if (failed(outcome.inProcess)) notes.push(`${backend}, in-process: ✗ failed: ${outcome.inProcess.error}`)
    const inProcessText =
      inProcess === undefined
        ? "✗ failed | ✗ failed"
        : `${int(inProcess.commands / inProcess.seconds)} | ${int(sustained(inProcess))}`
    if (failed(outcome.http)) {
      notes.push(`${backend}, over HTTP: ✗ failed: ${outcome.http.error.split("\n").join(" ").slice(0, 1500)}`)
      return `| ${backend} | ${inProcessText} | ✗ failed | — | — | — | — | — | — |`
    }
    const { load, warmup } = outcome.http
    const rate = load.responses / load.seconds
    const acceptedRate = load.accepted / load.seconds
    const httpSustained = sustainedHttp(load, outcome.http.caughtUpAfterMs)
    const latency = latencyOf(load)
    for (const [key, r] of load.refusals) notes.push(`${backend}: ${key} ×${int(r.count)}, first one: ${r.example}`)
    if (errorsOf(warmup) !== "none") notes.push(`${backend}, warm-up: ${errorsOf(warmup)}`)
    if (load.mentorsShared > 0) notes.push(`${backend}: a busy mentor was taken ${load.mentorsShared} times`)
    if (load.replayed > 0) notes.push(`${backend}: ${load.replayed} answers were replays (none expected)`)
    const rateText = load.accepted === load.responses ? int(rate) : `${int(rate)} (2xx: ${int(acceptedRate)})`
    const ratios =
      inProcess === undefined
        ? "— | —"
        : `${times(acceptedRate / (inProcess.commands / inProcess.seconds))} | **${times(httpSustained / sustained(inProcess))}**`
    return `| ${backend} | ${inProcessText} | ${rateText} | ${int(httpSustained)} | ${ratios} | ${ms(latency.p50)} | ${ms(latency.p99)} | ${errorsOf(load)} |`
  })

  const goalRows = outcomes.map((outcome) => {
    const backend = label(outcome.backend)
    if (failed(outcome.inProcess) || failed(outcome.http) || outcome.http.paced === undefined) {
      return `| ${backend} | — | — | — | — | — | — | — | ✗ (not measured) |`
    }
    const inProcess = sustained(outcome.inProcess)
    const { load, caughtUpAfterMs, paced } = outcome.http
    const ratio = sustainedHttp(load, caughtUpAfterMs) / inProcess
    const latency = latencyOf(paced.load)
    const reached = paced.load.accepted / paced.load.seconds
    for (const [key, r] of paced.load.refusals) {
      notes.push(`${backend}, paced: ${key} ×${int(r.count)}, first one: ${r.example}`)
    }
    const kept = reached >= 0.95 * paced.rate
    const met = ratio >= goalRatio && kept && latency.p99 < goalP99Ms && paced.load.accepted === paced.load.responses
    return `| ${backend} | ${times(ratio)} ${ratio >= goalRatio ? "✓" : "✗"} | ${int(paced.rate)} | ${int(reached)} ${kept ? "✓" : "✗"} | ${ms(latency.p50)} | ${ms(latency.p90)} | ${ms(latency.p99)} ${latency.p99 < goalP99Ms ? "✓" : "✗"} | ${errorsOf(paced.load)} | ${met ? "✓" : "✗"} |`
  })

  const measured = outcomes.flatMap((o) => (failed(o.http) ? [] : [{ backend: label(o.backend), http: o.http }]))
  const stepRows = measured.map(({ backend, http }) => {
    const cells = http.load.latenciesByStep.map((values) => {
      const sorted = Float64Array.from(values).sort()
      return `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))}`
    })
    return `| ${backend} | ${cells.join(" | ")} |`
  })
  const cpuRows = measured.map(({ backend, http }) => {
    const { load } = http
    const share = (seconds: number | undefined) =>
      seconds === undefined ? "—" : `${seconds.toFixed(1)} s (${percent(seconds / load.seconds)} of a core)`
    const perCommand =
      load.serverCpuSeconds === undefined ? "—" : ms((load.serverCpuSeconds * 1000) / Math.max(1, load.responses))
    return `| ${backend} | ${load.seconds.toFixed(1)} | ${share(load.serverCpuSeconds)} | ${perCommand} | ${share(load.clientCpuSeconds)} | ${int(load.events)} (${(load.events / engagements).toFixed(1)} per engagement) | ${int(http.caughtUpAfterMs)} | ${http.errorsLogged} |`
  })
  const inProcessRows = outcomes.flatMap((o) =>
    failed(o.inProcess)
      ? []
      : [
          `| ${label(o.backend)} | ${int(o.inProcess.commands)} | ${o.inProcess.seconds.toFixed(1)} | ${int(o.inProcess.commands / o.inProcess.seconds)} | ${int(o.inProcess.events / o.inProcess.seconds)} | ${o.inProcess.cpuSeconds.toFixed(1)} s (${percent(o.inProcess.cpuSeconds / o.inProcess.seconds)} of a core) | ${ms((o.inProcess.cpuSeconds * 1000) / o.inProcess.commands)} | ${int(o.inProcess.caughtUpAfterMs)} |`
        ]
  )

  const server =
    context.mode === "bundled"
      ? "bundled to JavaScript by esbuild beside the bench (`bench/dist/server.mjs`, from `examples/server/src/main.ts`; npm packages load from node_modules as shipped) and run on plain Node, as the in-process side runs (`BENCH_HTTP_SERVER=tsx` runs it with tsx instead, as `pnpm start` does)"
      : "run with tsx from `examples/server` exactly as `pnpm start` runs it (`BENCH_HTTP_SERVER=tsx`; the in-process side runs bundled JavaScript, so this comparison carries tsx's cost)"
  return `${httpHeading}
Generated by \`pnpm bench:http\` (\`bench/src/http/main.ts\`) on ${context.facts.date}, wall time ${int(context.wallSeconds)} s: ${context.facts.cpus} × ${context.facts.cpuModel.split(" ").slice(0, 2).join(" ")}, Node ${context.facts.node}, autocannon ${context.autocannon}. Load generator, server and database share the machine.

- **Server**: the example server (\`examples/server\`) in its own process on 127.0.0.1, ${server}; a fresh SQLite data directory, or a fresh PostgreSQL database (\`DATABASE_URL\`) on the bench's PostgreSQL server; \`STINT_SECRET\` set, \`STINT_SEED=false\`, everything else at its defaults: \`ReadModels.options()\` (2 inline read models in every append, 5 async runners), no per-request log lines (\`STINT_LOG_REQUESTS\` unset; errors are always logged), the deadline process.
- **Load** (\`bench/src/http/Load.ts\`): autocannon, ${context.connections} keep-alive connections (\`BENCH_HTTP_CONNECTIONS\`), no pipelining — each request is built after the answer to the one before, since each depends on it — each connection driving ${int(context.perConnection)} engagements (\`BENCH_HTTP_N\`) one after another through the command mix of \`pnpm bench\`'s full domain: RequestEngagement (mentee), AgreeEngagement, RecordSession ×2, RecordGoalOutcome "met" by the mentee and by the mentor, CloseEngagement "completed" — ${Load.steps.length} \`POST /commands/…\` per engagement, ${int(commands)} measured in all. Every request carries its actor's bearer token (HS256, minted before the clock starts with the server's secret by \`examples/server/src/Token.ts\`) and a new \`Idempotency-Key\`. ${int(context.mentors)} mentors registered over HTTP before the clock starts; a connection takes a mentor no other connection is using, so no two write to one mentor's stream at once (as the in-process loops). Sessions are held at the client's time after the previous answer (same clock as the server).
- **Warm-up and clock**: ${int(context.warmup)} engagements (their own mentors) on the same server, then the async read models caught up (\`GET /ready\` every 10 ms until every lag is 0), then the measured mentors registered; the clock runs from the start of the load to the last answer. Latency: per request, from writing it to reading its answer's last byte (autocannon), percentiles by nearest rank over every measured request.
- **In-process, same run, same backend** (\`bench/src/http/InProcess.ts\`): the same ${int(engagements)} engagements through the same ${StintDomain.commandsPerEngagement} commands by \`StintDomain.runLoops\` in ${context.connections} loops, on a fresh store wired as the server wires it (\`Stint.layerWithProjections(SqlEventStore.layer(), { projections: ReadModels.options() })\`, \`SqlProjectionStore.layer()\`, better-sqlite3 or \`pg\` with 16 connections), with the same warm-up and catch-up first; measured just before the server run of its backend.
- **Throughput, HTTP / in-process**: commands answered 2xx per second over HTTP ÷ commands per second in-process, two ways. *Commands only*: from the first command to the last answer. *Until the read models are at the head*: the same commands ÷ the time until every async read model had also applied the last one — the same work on both sides. In-process, the loops outrun the five async runners, which finish seconds after the last command (see "at the head after" below); the server interleaves them with its requests, so its commands-only rate already pays for most of that work. The goal is judged on the second.
- **Latency at the goal's rate** (\`Load.paced\`): on the same server after the closed loop, ${int(context.pacedEngagements)} more engagements (\`BENCH_HTTP_PACED_N\` per connection) started at a fixed pace, so that commands are offered at ${times(goalRatio)} the backend's in-process rate (until at the head); within an engagement each command follows the answer to the one before, over Node's HTTP client with keep-alive. An open loop: a server that cannot keep up shows growing latency and a lower rate reached. The closed loop's p99 is the one at saturation (${context.connections} requests always in flight), not at that rate.
- **Goal** (issue 5): at least ${times(goalRatio)} the in-process throughput, with p99 under ${goalP99Ms} ms at that rate, on this ${context.facts.cpus}-core machine.

Closed loop (${context.connections} connections, as fast as the server answers):

| Backend | In-process cmd/s (commands only) | In-process cmd/s (until at the head) | HTTP req/s (commands only) | HTTP req/s (until at the head) | HTTP / in-process (commands only) | HTTP / in-process (until at the head) | p50 (ms) | p99 (ms) | Non-2xx and failures |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join("\n")}

The goal, with the latency at its rate:

| Backend | Throughput ≥ ${times(goalRatio)} | Paced at (cmd/s) | Reached (2xx/s, ≥ 95 %) | p50 (ms) | p90 (ms) | p99 (ms) < ${goalP99Ms} | Non-2xx and failures | Goal met |
|---|---:|---:|---:|---:|---:|---:|---|:---:|
${goalRows.join("\n")}

Latency by command over HTTP (ms, p50 / p99):

| Backend | ${Load.steps.map((s) => s.name).join(" | ")} |
|---|${Load.steps.map(() => "---:").join("|")}|
${stepRows.join("\n")}

Where the time went during the measured load (CPU time from \`/proc\` for the server process and \`process.cpuUsage()\` for the load generator; the database's own processes are not counted), what was appended (events counted from the answers), and how long the async read models took to reach the head after the last answer:

| Backend | Seconds | Server CPU | Server CPU per request (ms) | Load generator CPU | Events appended | Async read models at the head after (ms) | Errors the server logged |
|---|---:|---:|---:|---:|---:|---:|---:|
${cpuRows.join("\n")}

In-process runs:

| Backend | Commands | Seconds | cmd/s | events/s | CPU of the process | CPU per command (ms) | Async read models at the head after (ms) |
|---|---:|---:|---:|---:|---:|---:|---:|
${inProcessRows.join("\n")}
${notes.length === 0 ? "" : `\nNotes:\n${notes.map((n) => `- ${n}`).join("\n")}\n`}`
}
