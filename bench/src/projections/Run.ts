/**
 * The projection part of `pnpm bench`, after the command and scan tables: one realistic log built
 * once in memory (`Traffic`), a full rebuild of the seven built-in read models from it on each SQL
 * backend (`Rebuild`), then the async lag and the cost of the read models under the 8-loop write
 * workload (`Lag`). Every backend runs on fresh places; a failure is reported, never thrown.
 */
import type { Places } from "../Places.js"
import type { Backend } from "../Subject.js"
import * as Lag from "./Lag.js"
import * as Rebuild from "./Rebuild.js"
import * as Reference from "./Reference.js"
import * as Traffic from "./Traffic.js"

export interface Settings {
  /** Events of the log rebuilt (`BENCH_REBUILD_EVENTS`): at least this many. */
  readonly rebuildEvents: number
  /** Engagements of the lag workload (`BENCH_N`) and of its warm-up. */
  readonly engagements: number
  readonly warmup: number
  readonly backends: ReadonlyArray<Backend>
}

export interface Results {
  readonly settings: Settings
  readonly backends: ReadonlyArray<"sqlite" | "pg">
  /** The log without its events. */
  readonly log: Omit<Traffic.Log, "records"> & { readonly events: number }
  /** Documents each projection should hold after the whole log. */
  readonly expected: ReadonlyMap<string, number>
  readonly rebuilds: ReadonlyArray<Rebuild.Outcome>
  readonly lags: ReadonlyArray<Lag.Outcome>
}

const isSql = (backend: Backend): backend is "sqlite" | "pg" => backend === "sqlite" || backend === "pg"

/** Runs the projection bench on the SQL backends among `settings.backends`; undefined when there are none. */
export const run = async (places: Places, settings: Settings): Promise<Results | undefined> => {
  const backends = settings.backends.filter(isSql)
  if (backends.length === 0) return undefined
  console.log(`\nProjections: building a log of at least ${settings.rebuildEvents} events in memory…`)
  const { records, ...log } = await Traffic.generate(settings.rebuildEvents)
  const expected = Reference.documentCounts(records)
  const refused = [...log.refused.values()].reduce((sum, n) => sum + n, 0)
  console.log(
    `  ${records.length} events from ${log.accepted} commands (${refused} refused), ${log.engagements} engagements over ${Math.round(log.simulatedDays)} simulated days, in ${log.seconds.toFixed(1)} s`
  )

  const rebuilds: Array<Rebuild.Outcome> = []
  for (const backend of backends) {
    const outcome = await Rebuild.measure(places, backend, records)
    rebuilds.push(outcome)
    if ("error" in outcome) {
      console.log(`[projections] ${backend} rebuild: FAILED ${outcome.error}`)
      continue
    }
    for (const r of outcome.each) {
      console.log(
        `[projections] ${backend} rebuild ${r.name}: ${r.events} events in ${r.seconds.toFixed(2)} s, ${Math.round(r.events / r.seconds)} ev/s, ${r.documents} documents (expected ${expected.get(r.name)})`
      )
    }
    const together = outcome.together
    console.log(
      "error" in together
        ? `[projections] ${backend} rebuild all at once: FAILED ${together.error}`
        : `[projections] ${backend} rebuild all at once: ${together.events} events in ${together.seconds.toFixed(2)} s, ${Math.round(together.events / together.seconds)} ev/s`
    )
  }

  const lags: Array<Lag.Outcome> = []
  for (const backend of backends) {
    const outcome = await Lag.measure(places, backend, settings.engagements, settings.warmup)
    lags.push(outcome)
    if ("error" in outcome) {
      console.log(`[projections] ${backend} lag: FAILED ${outcome.error}`)
      continue
    }
    const { off, on, sampled } = outcome
    const rate = (run: Lag.Run) => Math.round(run.commands / run.seconds)
    console.log(
      `[projections] ${backend} 8 loops: read models off ${rate(off)} cmd/s, on ${rate(on)} cmd/s, on and sampled ${rate(sampled)} cmd/s; lag max ${sampled.lags.map((l) => `${l.name} ${l.max}`).join(", ")} (${sampled.samples} samples); caught up ${Math.round(sampled.catchUpMs)} ms after the writers stopped`
    )
  }
  return { settings, backends, log: { ...log, events: records.length }, expected, rebuilds, lags }
}
