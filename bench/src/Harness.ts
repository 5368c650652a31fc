/**
 * One measurement: a fresh store, a brief warm-up on the same store and loop count, then N engagements
 * timed with `performance.now()` around the command loops only (setup, warm-up, connection opening and
 * migrations are outside the clock), then a timed scan of the whole log, checked for exactness.
 */
import * as Memory from "./Memory.js"
import type { Places } from "./Places.js"
import { ScanCheck, type Verdict } from "./ScanCheck.js"
import type { Backend, Implementation, Make, RunStats } from "./Subject.js"
import * as Workload from "./Workload.js"

export type Scenario = "sequential" | "concurrent"

/** How many loops a scenario runs. */
export const loopsOf = (scenario: Scenario): number => (scenario === "sequential" ? 1 : Workload.concurrentLoops)

/** Events per page of every global read. */
export const scanBatchSize = 500

/** Scans per configuration; the report takes the median rate. */
export const scanRepeats = 3

export interface Configuration {
  readonly backend: Backend
  readonly scenario: Scenario
  readonly implementation: Implementation
  readonly make: Make
  /** Engagements measured. */
  readonly engagements: number
  /** Engagements run before the clock starts. */
  readonly warmup: number
}

export interface ScanResult {
  readonly events: number
  readonly seconds: number
  readonly eventsPerSecond: number
  readonly verdict: Verdict
  readonly peak: Memory.Peak
}

export interface Measurement {
  readonly run: number
  readonly configuration: Omit<Configuration, "make">
  readonly stats: RunStats
  readonly seconds: number
  readonly commandsPerSecond: number
  readonly eventsPerSecond: number
  readonly peak: Memory.Peak
  /** Undefined when the store has no global read. */
  readonly scan: ScanResult | undefined
  readonly settings: Readonly<Record<string, string>>
}

/** A configuration that failed or timed out: reported, never hidden. */
export interface Failure {
  readonly run: number
  readonly configuration: Omit<Configuration, "make">
  readonly error: string
}

export type Outcome = Measurement | Failure

export const isFailure = (outcome: Outcome): outcome is Failure => "error" in outcome

/** A phase that runs longer than this is abandoned and reported as failed. */
const phaseTimeoutMs = 10 * 60 * 1000

const withTimeout = <A>(what: string, promise: Promise<A>): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${phaseTimeoutMs / 1000} s`)), phaseTimeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.split("\n")[0]!.slice(0, 300) : String(error).slice(0, 300)

/** Runs one configuration on a fresh place; never throws. */
export const measure = async (places: Places, run: number, configuration: Configuration): Promise<Outcome> => {
  const { make, ...described } = configuration
  let fresh: Awaited<ReturnType<Places["fresh"]>> | undefined
  let subject: Awaited<ReturnType<Make>> | undefined
  try {
    fresh = await places.fresh(configuration.backend)
    subject = await make(fresh.place)
    const loops = loopsOf(configuration.scenario)
    let written = 0

    const warm = Workload.split(Workload.engagements(configuration.warmup, "warm"), loops)
    written += (await subject.prepare?.(warm)) ?? 0
    written += (await withTimeout("warm-up", subject.run(warm))).events

    const measured = Workload.split(Workload.engagements(configuration.engagements, "bench"), loops)
    written += (await subject.prepare?.(measured)) ?? 0
    const active = subject
    const commands = await Memory.measure(async () => {
      const start = performance.now()
      const stats = await withTimeout("command loops", active.run(measured))
      return { stats, seconds: (performance.now() - start) / 1000 }
    })
    const { stats, seconds } = commands.result
    written += stats.events

    let scan: ScanResult | undefined
    const read = subject.scan
    if (read !== undefined) {
      // A scan of a small log takes milliseconds: take the median of a few, and require all exact.
      const scans: Array<ScanResult> = []
      for (let i = 0; i < scanRepeats; i++) {
        const check = new ScanCheck()
        const scanned = await Memory.measure(async () => {
          const start = performance.now()
          await withTimeout("scan", read(check, scanBatchSize))
          return (performance.now() - start) / 1000
        })
        scans.push({
          events: check.count,
          seconds: scanned.result,
          eventsPerSecond: check.count / scanned.result,
          verdict: check.verify(written),
          peak: scanned.peak
        })
      }
      const sorted = [...scans].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)
      const middle = sorted[sorted.length >> 1]!
      scan = {
        ...middle,
        verdict: scans.find((s) => !s.verdict.exact)?.verdict ?? middle.verdict,
        peak: {
          heapDelta: Math.max(...scans.map((s) => s.peak.heapDelta)),
          rss: Math.max(...scans.map((s) => s.peak.rss))
        }
      }
    }
    const settings = await subject.settings()
    return {
      run,
      configuration: described,
      stats,
      seconds,
      commandsPerSecond: stats.commands / seconds,
      eventsPerSecond: stats.events / seconds,
      peak: commands.peak,
      scan,
      settings
    }
  } catch (error) {
    return { run, configuration: described, error: describe(error) }
  } finally {
    try {
      await subject?.close()
    } catch {
      // a store that failed may not close cleanly; the place is dropped anyway
    }
    try {
      await fresh?.drop()
    } catch {
      // leftovers of a failed run are removed with the temporary directory or the server
    }
  }
}
