/**
 * The "Projections" section of `bench/RESULTS.md`: the log, the full rebuild, the async lag and the
 * command throughput with the read models on and off, each table with one line on what it measured.
 * A failure shows in its table; a document count that differs from the reference is marked ✗.
 */
import * as Places from "../Places.js"
import * as StintDomain from "../stint/StintDomain.js"
import * as Workload from "../Workload.js"
import * as Lag from "./Lag.js"
import * as LogCopy from "./LogCopy.js"
import type { Results } from "./Run.js"
import { int } from "../Figures.js"

const seconds = (value: number): string => value.toFixed(value < 10 ? 2 : 1)
const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0)

export const render = (results: Results, context: { readonly pg: Places.Places["pg"] }): string => {
  const label = (backend: "sqlite" | "pg") => Places.label(context.pg, backend)
  const { expected, log } = results
  const documents = (name: string, found: number) => {
    const want = expected.get(name)
    return want === found ? `${int(found)} ✓` : `${int(found)} ✗ (expected ${want === undefined ? "?" : int(want)})`
  }

  // ── the log ─────────────────────────────────────────────────────────────────────────────────
  const refusedTotal = [...log.refused.values()].reduce((sum, n) => sum + n, 0)
  const byCount = <K>(map: ReadonlyMap<K, number>) => [...map].sort((a, b) => b[1] - a[1])
  const copyTimes = results.rebuilds
    .flatMap((r) => ("error" in r ? [] : [`${label(r.backend)} ${seconds(r.copySeconds)} s`]))
    .join(", ")

  // ── rebuild ─────────────────────────────────────────────────────────────────────────────────
  const rebuildRows = results.rebuilds.flatMap((outcome) => {
    const backend = label(outcome.backend)
    if ("error" in outcome) return [`| ${backend} | ✗ failed: ${outcome.error} | | | | | | | |`]
    const rows = outcome.each.map(
      (r) =>
        `| ${backend} | ${r.name} | ${r.inline ? "inline" : "async"} | ${int(r.events)} | ${seconds(r.seconds)} | ${int(r.events / r.seconds)} | ${documents(r.name, r.documents)} | ${int(r.keys)} | ${megabytes(r.heapDelta)} |`
    )
    const events = outcome.each.reduce((sum, r) => sum + r.events, 0)
    const time = outcome.each.reduce((sum, r) => sum + r.seconds, 0)
    const allDocuments = outcome.each.reduce((sum, r) => sum + r.documents, 0)
    const allExact = outcome.each.every((r) => expected.get(r.name) === r.documents)
    rows.push(
      `| ${backend} | **all 7, one after another** | | ${int(events)} | ${seconds(time)} | **${int(events / time)}** | ${int(allDocuments)} ${allExact ? "✓" : "✗"} | | ${megabytes(Math.max(...outcome.each.map((r) => r.heapDelta)))} |`
    )
    const together = outcome.together
    if ("error" in together) {
      rows.push(`| ${backend} | **all 7 at once** | | ✗ failed: ${together.error} | | | | | |`)
    } else {
      const exact = [...expected].every(([name, n]) => together.documents.get(name) === n)
      const total = [...together.documents.values()].reduce((sum, n) => sum + n, 0)
      rows.push(
        `| ${backend} | **all 7 at once** | | ${int(together.events)} | ${seconds(together.seconds)} | **${int(together.events / together.seconds)}** | ${int(total)} ${exact ? "✓" : "✗"} | | ${megabytes(together.heapDelta)} |`
      )
    }
    rows.push(
      `| ${backend} | the log through all 7, one after another | | ${int(outcome.logEvents)} log events | ${seconds(time)} | ${int(outcome.logEvents / time)} log events/s | | | |`
    )
    return rows
  })

  // ── lag ─────────────────────────────────────────────────────────────────────────────────────
  const lagRows = results.lags.flatMap((outcome) => {
    const backend = label(outcome.backend)
    if ("error" in outcome) return [`| ${backend} | ✗ failed: ${outcome.error} | | | | |`]
    return outcome.sampled.lags.map(
      (l) => `| ${backend} | ${l.name} | ${int(l.p50)} | ${int(l.p95)} | ${int(l.max)} | ${int(l.catchUpMs)} |`
    )
  })
  const samplingRows = results.lags.map((outcome) => {
    const backend = label(outcome.backend)
    if ("error" in outcome) return `| ${backend} | ✗ failed | | | |`
    const { sampled } = outcome
    return `| ${backend} | ${int(sampled.events)} | ${int(sampled.samples)} | ${int(sampled.meanIntervalMs)} | ${int(sampled.slowestStatusMs)} |`
  })
  const throughputRows = results.lags.map((outcome) => {
    const backend = label(outcome.backend)
    if ("error" in outcome) return `| ${backend} | ✗ failed: ${outcome.error} | | | | |`
    const { off, on, sampled } = outcome
    const rate = (run: Lag.Run) => run.commands / run.seconds
    const cell = (run: Lag.Run) => `${int(rate(run))} (${int(run.events / run.seconds)} ev/s)`
    return `| ${backend} | ${cell(off)} | ${cell(on)} | **${(rate(on) / rate(off)).toFixed(2)}×** | ${int(on.catchUpMs)} | ${cell(sampled)} (${(rate(sampled) / rate(off)).toFixed(2)}×) |`
  })

  const { settings } = results
  return `
## Projections

### The log rebuilt
${int(log.events)} events (\`BENCH_REBUILD_EVENTS\` = ${int(settings.rebuildEvents)}, at least) written by the real \`Stint.Stint\` service (in memory, default policy) simulating a programme of ${int(log.simulatedDays)} days: ${int(log.mentors)} mentors, ${int(log.mentees)} mentees, ${int(log.engagements)} engagements asked or offered (refused requests included); ${int(log.accepted)} commands accepted and ${int(refusedTotal)} refused by the domain on the way (${byCount(
    log.refused
  )
    .slice(0, 6)
    .map(([tag, n]) => `${tag} ${int(n)}`)
    .join(", ")}). Events by type: ${byCount(log.types)
    .map(([type, n]) => `${type} ${int(n)}`)
    .join(
      ", "
    )}. Built in ${seconds(log.seconds)} s, then copied into each store by appending every recorded command again through \`SqlEventStore.append\` (same command id, actor, streams with their exact expected versions, event ids, payloads and recorded instant) in transactions of ${LogCopy.appendsPerTransaction} appends (${copyTimes}; on PostgreSQL the appends of one transaction share its commit id). None of this is measured.

### Full rebuild of the 7 built-in read models (events/s)
Each projection of \`ReadModels.options()\` rebuilt from the whole log by \`Projections.rebuild(name)\` (default batch size 500, runners off, after one untimed scan of the log), one after another and then all 7 at once (each replacing the generation of the first round, so its time includes dropping those documents); events/s = events the rebuild read (its last progress report) ÷ wall time of the call; documents and index keys counted in the live generation afterwards, ✓ when equal to \`Projection.applyAll\` over the same log in memory; heap growth is the peak above the start of the call.

| Backend | Projection | Placement | Events read | Seconds | Events/s | Documents | Index keys | Heap growth (MB) |
|---|---|---|---:|---:|---:|---:|---:|---:|
${rebuildRows.join("\n")}

### Async lag under the 8-loop write workload (events behind the head)
With \`ReadModels.options()\` registered and the runners started, ${Workload.concurrentLoops} loops run the full-domain workload (N = ${int(settings.engagements)} engagements, ${StintDomain.commandsPerEngagement} commands each, after a warm-up of ${int(settings.warmup)} and once every async projection had caught up); each async projection's lag is \`eventsTotal - eventsDone\` of its serving generation from \`Projections.status\` (the events between its checkpoint and the head; on PostgreSQL from sequence positions, so close rather than exact), sampled every ${Lag.sampleEveryMs} ms while the writers run (on a timer, or when a writer finishes a command after the sample was due: the synchronous SQLite driver can keep timers from firing), p50 / p95 / max over the samples (nearest rank); catch-up = from the writers' last command to the first ${Lag.pollEveryMs} ms poll that finds the projection at the head.

| Backend | Async projection | Lag p50 | Lag p95 | Lag max | Caught up after the writers stopped (ms) |
|---|---|---:|---:|---:|---:|
${lagRows.join("\n")}

| Backend | Events written while sampled | Samples | Mean interval (ms) | Slowest \`status\` call (ms) |
|---|---:|---:|---:|---:|
${samplingRows.join("\n")}

### Command throughput with the read models on and off (same run)
The same ${Workload.concurrentLoops}-loop workload on three fresh stores in one run: off = no projection registered (the plain append path), on = \`ReadModels.options()\` (2 inline projections in every append's transaction, 5 async runners following the log), and on with the lag sampling above (its \`status\` calls load the store too, so the ratio is taken from the unsampled run); commands (events) ÷ wall time of the command loops; catch-up as above, in the unsampled run.

| Backend | Read models off, cmd/s | Read models on, cmd/s | On / off | On: all async caught up after (ms) | On and sampled, cmd/s (÷ off) |
|---|---:|---:|---:|---:|---:|
${throughputRows.join("\n")}
`
}
