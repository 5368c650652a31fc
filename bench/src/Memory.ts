/**
 * Peak memory of one phase (the command loops, or a scan): `process.memoryUsage()` sampled every
 * 10 ms by a timer and, because better-sqlite3 and the in-memory stores can run a loop without ever
 * yielding to timers, also from `tick()`, which every loop calls once per engagement. We report the
 * high-water marks of the V8 heap above the phase's starting point (after a forced GC) and of the
 * process RSS; RSS is process-wide, so it also holds what earlier configurations left behind.
 */

/** A high-water mark of one phase, in bytes. */
export interface Peak {
  /** Highest `heapUsed` seen, minus `heapUsed` at the start of the phase. */
  readonly heapDelta: number
  /** Highest RSS seen. */
  readonly rss: number
}

const intervalMs = 10

let active = false
let lastSample = 0
let baseHeap = 0
let peakHeap = 0
let peakRss = 0

const sample = (): void => {
  const usage = process.memoryUsage()
  if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed
  if (usage.rss > peakRss) peakRss = usage.rss
  lastSample = performance.now()
}

/** Samples when the last sample is older than the interval; cheap enough to call per engagement. */
export const tick = (): void => {
  if (active && performance.now() - lastSample >= intervalMs) sample()
}

/** Collects garbage when the process runs with `--expose-gc` (the bench script passes it). */
export const collect = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) {
    gc()
    gc()
  }
}

/** Whether `collect` can force a GC, for the report. */
export const canCollect = (): boolean => typeof (globalThis as { gc?: unknown }).gc === "function"

/** Runs `phase` and returns its result with the memory high-water marks seen while it ran. */
export const measure = async <A>(phase: () => Promise<A>): Promise<{ readonly result: A; readonly peak: Peak }> => {
  collect()
  const start = process.memoryUsage()
  baseHeap = start.heapUsed
  peakHeap = start.heapUsed
  peakRss = start.rss
  active = true
  sample()
  const timer = setInterval(sample, intervalMs)
  try {
    const result = await phase()
    sample()
    return { result, peak: { heapDelta: peakHeap - baseHeap, rss: peakRss } }
  } finally {
    clearInterval(timer)
    active = false
  }
}
