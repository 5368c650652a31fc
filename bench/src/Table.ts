/**
 * Renders the results as markdown: medians over the runs, ratios taken run by run (Stint and its
 * peer from the same run) and then the median of those, the goals with ✓ or ✗, and every failure as a
 * numbered note — a miss or a crash is shown, never dropped.
 */
import {
  type Configuration,
  isFailure,
  type Measurement,
  type Outcome,
  type Scenario,
  scanBatchSize,
  scanRepeats
} from "./Harness.js"
import type { Facts } from "./Machine.js"
import type { Backend, Implementation } from "./Subject.js"
import * as Workload from "./Workload.js"

/** Goals stated in the issue. */
export const goals = { commandsVsRaw: 0.75, scanVsRaw: 0.6 } as const

export interface Context {
  readonly facts: Facts
  readonly runs: number
  readonly engagements: number
  readonly warmup: number
  readonly backends: ReadonlyArray<Backend>
  readonly implementations: Readonly<Record<Backend, ReadonlyArray<Implementation>>>
  /** Engagements an implementation ran when it was not the default N. */
  readonly engagementsOf: (backend: Backend, implementation: Implementation) => number
  readonly pg: { readonly version: string } | { readonly unavailable: string }
  readonly sqliteDirectory: string
  readonly wallSeconds: number
  readonly domainCommandsPerEngagement: number
}

const scenarios: ReadonlyArray<Scenario> = ["sequential", "concurrent"]

const backendLabel = (backend: Backend, context: Context): string =>
  backend === "memory"
    ? "Memory"
    : backend === "sqlite"
      ? "SQLite file"
      : "pg" in context && "version" in context.pg
        ? `PostgreSQL ${context.pg.version.split(" ")[0]}`
        : "PostgreSQL"

const scenarioLabel = (scenario: Scenario): string => (scenario === "sequential" ? "sequential" : "8 loops")

const implementationLabel: Record<Implementation, string> = {
  raw: "Raw ceiling",
  emmett: "Emmett",
  emmettShared: "Emmett, shared connection",
  stint: "Stint like-for-like",
  stintDomain: "Stint full domain"
}

const median = (values: ReadonlyArray<number>): number | undefined => {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const int = (value: number): string => Math.round(value).toLocaleString("en-US")
const percent = (value: number): string => `${Math.round(value * 100)} %`
const times = (value: number): string => `${value.toFixed(2)}×`
const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0)
const mark = (ok: boolean): string => (ok ? "✓" : "✗")

/** Numbered notes for failures and caveats, shared by all tables. */
class Notes {
  private readonly notes: Array<string> = []
  ref(text: string): string {
    let index = this.notes.indexOf(text)
    if (index === -1) {
      this.notes.push(text)
      index = this.notes.length - 1
    }
    return `[${index + 1}]`
  }
  render(): string {
    return this.notes.map((note, i) => `[${i + 1}] ${note}`).join("  \n")
  }
  get size(): number {
    return this.notes.length
  }
}

type Cell = { readonly measurements: ReadonlyArray<Measurement>; readonly failures: ReadonlyArray<Outcome> }

export const render = (outcomes: ReadonlyArray<Outcome>, context: Context): string => {
  const notes = new Notes()
  const cells = new Map<string, Cell>()
  const keyOf = (c: Omit<Configuration, "make">) => `${c.backend}|${c.scenario}|${c.implementation}`
  for (const outcome of outcomes) {
    const key = keyOf(outcome.configuration)
    const cell = cells.get(key) ?? { measurements: [], failures: [] }
    cells.set(
      key,
      isFailure(outcome)
        ? { ...cell, failures: [...cell.failures, outcome] }
        : { ...cell, measurements: [...cell.measurements, outcome] }
    )
  }
  const cell = (backend: Backend, scenario: Scenario, implementation: Implementation): Cell | undefined =>
    cells.get(`${backend}|${scenario}|${implementation}`)
  const has = (backend: Backend, implementation: Implementation) =>
    context.implementations[backend].includes(implementation)

  /** A median over the successful runs, with a note when some runs failed. */
  const value = (
    found: Cell | undefined,
    pick: (m: Measurement) => number | undefined,
    format: (v: number) => string
  ): string => {
    if (found === undefined) return "—"
    const failed = found.failures.length
    const failure = found.failures.find(isFailure)
    const note =
      failure === undefined
        ? ""
        : ` ${notes.ref(`failed in ${failed} of ${failed + found.measurements.length} runs: ${failure.error}`)}`
    const values = found.measurements.map(pick).filter((v): v is number => v !== undefined)
    const middle = median(values)
    if (middle === undefined) return failed > 0 ? `✗ failed${note}` : "n/a"
    return `${format(middle)}${note}`
  }

  /** The median of per-run ratios: numerator and denominator from the same run. */
  const ratio = (
    numerator: Cell | undefined,
    denominator: Cell | undefined,
    pick: (m: Measurement) => number | undefined
  ): number | undefined => {
    if (numerator === undefined || denominator === undefined) return undefined
    const byRun = new Map(denominator.measurements.map((m) => [m.run, pick(m)]))
    const ratios: Array<number> = []
    for (const m of numerator.measurements) {
      const top = pick(m)
      const bottom = byRun.get(m.run)
      if (top !== undefined && bottom !== undefined && bottom > 0) ratios.push(top / bottom)
    }
    return median(ratios)
  }

  const rows = (render: (backend: Backend, scenario: Scenario) => ReadonlyArray<string>): Array<string> =>
    context.backends.flatMap((backend) =>
      scenarios.map(
        (scenario) =>
          `| ${backendLabel(backend, context)} | ${scenarioLabel(scenario)} | ${render(backend, scenario).join(" | ")} |`
      )
    )

  const onlyWhere = (backend: Backend, implementation: Implementation, text: string) =>
    has(backend, implementation) ? text : "—"

  // ── commands ────────────────────────────────────────────────────────────────────────────────
  const cps = (m: Measurement) => m.commandsPerSecond
  const commandRows = rows((backend, scenario) => {
    const raw = cell(backend, scenario, "raw")
    const emmett = cell(backend, scenario, "emmett")
    const shared = cell(backend, scenario, "emmettShared")
    const stint = cell(backend, scenario, "stint")
    const domain = cell(backend, scenario, "stintDomain")
    const vsRaw = ratio(stint, raw, cps)
    const vsEmmett = ratio(stint, emmett, cps)
    const vsShared = ratio(stint, shared, cps)
    const emmettN = context.engagementsOf(backend, "emmett")
    const emmettText = value(emmett, cps, int)
    return [
      value(raw, cps, int),
      emmettN === context.engagements
        ? emmettText
        : `${emmettText} ${notes.ref(`Emmett's default SQLite mode ran N = ${int(emmettN)} engagements (it opens a connection per operation and would dominate the run); raw and Stint ran N = ${int(context.engagements)}.`)}`,
      onlyWhere(backend, "emmettShared", value(shared, cps, int)),
      value(stint, cps, int),
      vsRaw === undefined ? "—" : percent(vsRaw),
      backend === "memory" ? "n/a" : vsRaw === undefined ? "✗ (no ratio)" : mark(vsRaw >= goals.commandsVsRaw),
      has(backend, "emmettShared")
        ? `default: ${vsEmmett === undefined ? "—" : times(vsEmmett)}, shared: ${vsShared === undefined ? "—" : times(vsShared)}`
        : vsEmmett === undefined
          ? "—"
          : times(vsEmmett),
      `${value(domain, cps, int)} (${value(domain, (m) => m.eventsPerSecond, int)} ev/s)`
    ]
  })

  // ── scans ───────────────────────────────────────────────────────────────────────────────────
  const eps = (m: Measurement) => m.scan?.eventsPerSecond
  const exactness = (found: Cell | undefined): { readonly text: string; readonly ok: boolean } => {
    if (found === undefined) return { text: "—", ok: false }
    const scanned = found.measurements.filter((m) => m.scan !== undefined)
    if (scanned.length === 0) return { text: found.measurements.length > 0 ? "n/a" : "—", ok: false }
    const inexact = scanned.filter((m) => !m.scan!.verdict.exact)
    if (inexact.length > 0) {
      const first = inexact[0]!.scan!.verdict
      return {
        text: `✗ ${notes.ref(`inexact in ${inexact.length} of ${scanned.length} runs: ${first.problems.join("; ")}`)}`,
        ok: false
      }
    }
    const unordered = scanned.some((m) => !m.scan!.verdict.orderChecked)
    return {
      text: unordered
        ? `✓ ${notes.ref("Emmett PostgreSQL orders by (transaction id, global position) and returns only the position, so its global order cannot be checked; count, duplicates and per-stream order were checked.")}`
        : "✓",
      ok: true
    }
  }
  const scanRows = rows((backend, scenario) => {
    const raw = cell(backend, scenario, "raw")
    const emmett = cell(backend, scenario, "emmett")
    const shared = cell(backend, scenario, "emmettShared")
    const stint = cell(backend, scenario, "stint")
    const domain = cell(backend, scenario, "stintDomain")
    const vsRaw = ratio(stint, raw, eps)
    const stintExact = exactness(stint)
    const emmettScan =
      emmett !== undefined && emmett.measurements.length > 0 && emmett.measurements.every((m) => m.scan === undefined)
        ? `n/a ${notes.ref("Emmett's in-memory store has no global read API.")}`
        : value(emmett, eps, int)
    return [
      value(raw, eps, int),
      emmettScan,
      onlyWhere(backend, "emmettShared", value(shared, eps, int)),
      value(stint, eps, int),
      vsRaw === undefined ? "—" : percent(vsRaw),
      backend === "memory"
        ? "n/a"
        : vsRaw === undefined
          ? "✗ (no ratio)"
          : mark(vsRaw >= goals.scanVsRaw && stintExact.ok),
      [
        exactness(raw).text,
        exactness(emmett).text,
        has(backend, "emmettShared") ? exactness(shared).text : undefined,
        stintExact.text,
        exactness(domain).text
      ]
        .filter((t) => t !== undefined)
        .join(" / "),
      value(domain, eps, int)
    ]
  })

  // ── memory ──────────────────────────────────────────────────────────────────────────────────
  const implementations: ReadonlyArray<Implementation> = ["raw", "emmett", "emmettShared", "stint", "stintDomain"]
  const memoryRows = (phase: "commands" | "scan") =>
    rows((backend, scenario) =>
      implementations.map((implementation) => {
        if (!has(backend, implementation)) return "—"
        const found = cell(backend, scenario, implementation)
        const peak = (m: Measurement) => (phase === "commands" ? m.peak : m.scan?.peak)
        const heap = value(found, (m) => peak(m)?.heapDelta, megabytes)
        const rss = value(found, (m) => peak(m)?.rss, megabytes)
        return heap === rss && heap.startsWith("✗") ? heap : `${heap} / ${rss}`
      })
    )

  // ── goals summary ───────────────────────────────────────────────────────────────────────────
  const summary = context.backends.flatMap((backend) =>
    scenarios.map((scenario) => {
      const raw = cell(backend, scenario, "raw")
      const stint = cell(backend, scenario, "stint")
      const commands = ratio(stint, raw, cps)
      const scan = ratio(stint, raw, eps)
      const exact = exactness(stint)
      // The goals are against the raw *driver* ceiling; in memory there is no driver, so the plain
      // Map reference is reported, not judged (Emmett's in-memory store is the peer there).
      const show = (r: number | undefined, goal: number) =>
        r === undefined
          ? "✗ (not measured)"
          : backend === "memory"
            ? `n/a (no driver): ${percent(r)} of a plain Map`
            : `${mark(r >= goal)} ${percent(r)}`
      return `| ${backendLabel(backend, context)} | ${scenarioLabel(scenario)} | ${show(commands, goals.commandsVsRaw)} | ${show(scan, goals.scanVsRaw)} | ${exact.ok ? "✓" : "✗"} |`
    })
  )

  // ── settings and conflicts ──────────────────────────────────────────────────────────────────
  const settingsRows = context.backends.flatMap((backend) =>
    context.implementations[backend].map((implementation) => {
      const found = scenarios
        .flatMap((scenario) => cell(backend, scenario, implementation)?.measurements ?? [])
        .find(() => true)
      const settings =
        found === undefined
          ? "—"
          : Object.entries(found.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")
      const conflicts = scenarios
        .flatMap((scenario) => cell(backend, scenario, implementation)?.measurements ?? [])
        .map((m) => m.stats.conflicts)
      const conflictText = conflicts.some((c) => c === undefined)
        ? "not reported (retried inside Stint)"
        : String(conflicts.reduce<number>((sum, c) => sum + (c ?? 0), 0))
      return `| ${backendLabel(backend, context)} | ${implementationLabel[implementation]} | ${settings} | ${conflictText} |`
    })
  )

  const { facts } = context
  const runsText = context.runs === 1 ? "1 run" : `${context.runs} runs`
  const pgLine =
    "unavailable" in context.pg
      ? `**PostgreSQL rows skipped: ${context.pg.unavailable}**`
      : `PostgreSQL ${context.pg.version}: a throwaway server started by \`@stint/testing/PostgresServer\` with its defaults (fsync on), or \`STINT_PG_URL\`; a fresh database per configuration and run.`

  return `# Stint benchmark results

Generated by \`pnpm bench\` (\`bench/src/main.ts\`) on ${facts.date}. Wall time of the run: ${int(context.wallSeconds)} s.

## Machine and versions
- CPUs (\`nproc\`): ${facts.cpus} × ${facts.cpuModel}; total memory ${facts.totalMemoryGiB.toFixed(1)} GiB; ${facts.platform}
- Node ${facts.node}, running the bench bundled to JavaScript by esbuild (\`bench/build.mjs\`: only the workspace's TypeScript is bundled, every npm package loads from node_modules as shipped), with \`--expose-gc\` so each phase starts after a full GC
- SQLite ${facts.sqliteBetter} (better-sqlite3: raw ceiling and Stint), SQLite ${facts.sqliteNode} (node \`sqlite3\`: Emmett); files in \`${context.sqliteDirectory}\`
- ${pgLine}
- Packages: ${facts.packages.map(([name, version]) => `${name} ${version}`).join(", ")}

## Workload
- N = ${int(context.engagements)} engagements per configuration (\`BENCH_N\`), ${runsText} (\`BENCH_RUNS\`), medians reported; each run warms up on ${int(context.warmup)} engagements on the same store and loop count before the clock starts.
- Like-for-like path (raw, Emmett, Stint like-for-like): ${Workload.commandsPerEngagement} commands per engagement — request, agree, session held, session held, goal met, closed — each reading its engagement stream, folding it, deciding with one pure decider, and appending exactly one event with the version it read (retried on a version conflict). ${Workload.commandsPerEngagement} events per engagement, same payloads everywhere.
- Stint full domain: the real \`Stint\` service and commands, ${context.domainCommandsPerEngagement} commands per engagement (RequestEngagement, AgreeEngagement, RecordSession ×2, RecordGoalOutcome "met" by the mentee and by the mentor — the default policy's goal rule is "both" — and CloseEngagement "completed") writing 14 events across the engagement, mentor and mentee streams (the second session reaches the 2-session scope and also writes WrapUpStarted). Each command also checks its id (\`lookupCommand\`). ${Workload.mentorsPerLoop * Workload.concurrentLoops} mentors (registered before the clock starts), one mentee per engagement.
- Scenarios: one command loop, or ${Workload.concurrentLoops} loops at once on different engagements (loop i owns engagements i mod ${Workload.concurrentLoops} and their mentors).

## Commands per second (median of ${runsText})
| Backend | Scenario | Raw ceiling | Emmett | Emmett, shared connection | Stint like-for-like | Stint / raw | ≥ ${percent(goals.commandsVsRaw)} of raw? | Stint / Emmett | Stint full domain, cmd/s (events/s) |
|---|---|---:|---:|---:|---:|---:|:---:|---:|---:|
${commandRows.join("\n")}

## Reading the whole log in global order (events/s, median of ${runsText})
| Backend | Scenario | Raw | Emmett | Emmett, shared connection | Stint like-for-like | Stint / raw | ≥ ${percent(goals.scanVsRaw)} of raw and exact? | Exact (raw / Emmett${context.backends.includes("sqlite") ? " / Emmett shared on SQLite" : ""} / Stint / Stint full) | Stint full-domain log |
|---|---|---:|---:|---:|---:|---:|:---:|---|---:|
${scanRows.join("\n")}

## Goals (Stint like-for-like against the raw ceiling, same run)
| Backend | Scenario | Commands ≥ ${percent(goals.commandsVsRaw)} of raw | Scan ≥ ${percent(goals.scanVsRaw)} of raw | Scan exact |
|---|---|:---:|:---:|:---:|
${summary.join("\n")}

## Peak memory during the command loops (MB: heap growth / process RSS, median of ${runsText})
| Backend | Scenario | Raw ceiling | Emmett | Emmett, shared connection | Stint like-for-like | Stint full domain |
|---|---|---:|---:|---:|---:|---:|
${memoryRows("commands").join("\n")}

## Peak memory during the scan (MB: heap growth / process RSS, median of ${runsText})
| Backend | Scenario | Raw ceiling | Emmett | Emmett, shared connection | Stint like-for-like | Stint full domain |
|---|---|---:|---:|---:|---:|---:|
${memoryRows("scan").join("\n")}

## Durability and connections (read back from each store's own connection) and version conflicts retried
| Backend | Implementation | Settings | Conflicts retried (all runs) |
|---|---|---|---:|
${settingsRows.join("\n")}

## What the columns mean
- **Commands per second**: commands completed by the measured engagements divided by the wall time of the command loops (\`performance.now()\` around them; store setup, migrations, connection opening, mentor registration and the warm-up are outside the clock). A command retried after a version conflict counts once.
- **Raw ceiling**: no framework. Memory: a \`Map\` of streams plus a log array; an append stores a JSON round-trip copy of the payload (as Stint's memory store does) and reads hand out the stored rows. SQLite: better-sqlite3, one connection, \`journal_mode=WAL\`, \`synchronous=FULL\`. PostgreSQL: \`pg\`, one client (sequential) or a \`pg.Pool\` of 8 (8 loops). One table with a global position and UNIQUE (stream_id, version); per command SELECT the stream's rows, parse them, decide, INSERT one row (autocommit) with the next version.
- **Emmett**: \`getInMemoryEventStore\`, \`getSQLiteEventStore\` (default: a new \`sqlite3\` connection per operation) and \`getPostgreSQLEventStore\` (pooled), through \`readStream\` and \`appendToStream\` with \`expectedStreamVersion\`. **Emmett, shared connection**: \`getSQLiteEventStore\` with \`connectionOptions: { singleton: true, connection }\` and \`synchronous=FULL\` set on that connection.
- **Stint like-for-like**: Stint's \`EventStore\` port (\`MemoryEventStore.layerMemory\`, or \`SqlEventStore.layer()\` over \`SqliteClient\` / \`PgClient\` with 10 connections) with a minimal loop in the bench: \`readStream\`, fold, the same decider, \`append\` to one stream with \`ExpectedVersion.exact(version read)\`, retried on \`WrongExpectedVersion\`.
- **Stint / raw**, **Stint / Emmett**: for each run, Stint like-for-like divided by the peer measured in the same run; the median of those ratios. The goal column compares that median with ${percent(goals.commandsVsRaw)}.
- **Stint full domain**: the real \`Stint.Stint\` service (\`Stint.layer()\`, default policy) executing the real commands; events/s counts every event those commands appended. It has no peer: it does more per command (idempotency lookup, up to three streams read and written atomically, schema encoding and decoding), so it is not part of the goals.
- **Reading the whole log**: events read divided by the time to read the entire log (warm-up and measured events) from the start, in pages of ${scanBatchSize}; each configuration scans ${scanRepeats} times and keeps the median (all ${scanRepeats} must be exact): raw \`SELECT … WHERE position > ? ORDER BY position LIMIT ${scanBatchSize}\` (payloads parsed); Emmett \`readMessagesBatch\`; Stint \`EventStore.readAll({ batchSize: ${scanBatchSize} })\` consumed chunk by chunk. **Exact**: the scan returned exactly as many events as were acknowledged, none twice, each stream's versions 1, 2, 3… in order, and the store's own global order key strictly increasing (Stint: \`(commit, position)\`; raw and Emmett SQLite: position). Checked after the clock stops. On the memory backend a scan takes a few milliseconds, so its rate is noisy.
- **Peak memory**: \`process.memoryUsage()\` sampled every 10 ms and at every engagement. Heap growth = highest \`heapUsed\` minus \`heapUsed\` at the start of the phase (after a forced GC); RSS = highest process RSS, which is process-wide and includes what earlier configurations left mapped.
- **Conflicts retried**: appends refused for a wrong expected version. Each loop owns its engagements, so 0 is expected; Stint's full path retries inside \`Stint.execute\` and does not report them.
- ✗ failed / notes: a configuration that threw or timed out in some runs; the median is over the runs that completed, and the note gives the first error.

${notes.size > 0 ? `## Notes\n${notes.render()}\n` : ""}`
}
