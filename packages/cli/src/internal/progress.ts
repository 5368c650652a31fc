/**
 * The rebuild's progress on stderr: on a terminal a bar redrawn in place
 * (`[#####.....] 41,200/100,000 events  8,310 ev/s  ETA 7s`), elsewhere (a log, a pipe) one line
 * about every second, so a CI log or `journalctl` shows it moving without being flooded.
 */
import type * as Projections from "@stint/core/Projections"

/** `41,200`. */
export const count = (n: number): string => Math.round(n).toLocaleString("en-US")

/** `7s`, `2m05s`, `1h02m`. */
export const duration = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return "?"
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/** A bar of `width` cells, `#` for done. */
export const bar = (done: number, total: number, width = 20): string => {
  const filled = total <= 0 ? width : Math.min(width, Math.floor((done / total) * width))
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`
}

/** What is known at one report: done and total, and the rate since the rebuild started. */
export interface Sample {
  readonly done: number
  readonly total: number
  /** Events per second since the start (undefined before a second batch). */
  readonly rate: number | undefined
}

/** `41,200/100,000 events  8,310 ev/s  ETA 7s`. */
export const describe = (sample: Sample): string => {
  const parts = [`${count(sample.done)}/${count(sample.total)} events`]
  if (sample.rate !== undefined && sample.rate > 0) {
    parts.push(`${count(sample.rate)} ev/s`, `ETA ${duration(Math.max(0, sample.total - sample.done) / sample.rate)}`)
  }
  return parts.join("  ")
}

/** Where the reporter writes, and whether it is a terminal (mockable in tests). */
export interface Output {
  readonly isTTY: boolean
  readonly columns?: number | undefined
  readonly write: (text: string) => void
}

export const stderr: Output = {
  get isTTY() {
    return process.stderr.isTTY === true
  },
  get columns() {
    return process.stderr.columns
  },
  write: (text) => {
    process.stderr.write(text)
  }
}

/**
 * Reports a rebuild's progress; `finish` clears the bar and returns the numbers for the summary. The
 * rate is measured from the first report on, so a resumed build's earlier events do not inflate it.
 */
export const reporter = (name: string, output: Output = stderr, now: () => number = Date.now) => {
  const started = now()
  let first: { readonly done: number; readonly at: number } | undefined
  let last: Projections.Progress | undefined
  let lastLine = Number.NEGATIVE_INFINITY
  let printedDone = false
  const rate = (p: Projections.Progress): number | undefined => {
    if (first === undefined) return undefined
    const seconds = (now() - first.at) / 1000
    return seconds > 0.05 && p.eventsDone > first.done ? (p.eventsDone - first.done) / seconds : undefined
  }
  const onProgress = (p: Projections.Progress): void => {
    first ??= { done: p.eventsDone, at: now() }
    last = p
    const s: Sample = { done: p.eventsDone, total: p.eventsTotal, rate: rate(p) }
    if (output.isTTY) {
      const line = `${name} ${bar(s.done, s.total)} ${describe(s)}`
      output.write(`\r${line.slice(0, Math.max(20, (output.columns || 120) - 1))}\x1b[K`)
    } else if (now() - lastLine >= 1000 || (s.done >= s.total && !printedDone)) {
      // At most a line a second, and the last one once (a build reports the head more than once).
      lastLine = now()
      printedDone = s.done >= s.total
      output.write(`${name}: ${describe(s)}\n`)
    }
  }
  let cleared = false
  const finish = () => {
    if (output.isTTY && last !== undefined && !cleared) output.write("\r\x1b[K")
    cleared = true
    const seconds = (now() - started) / 1000
    const events = last?.eventsDone ?? 0
    const measured = last === undefined ? undefined : rate(last)
    return {
      generation: last?.generation,
      events,
      seconds,
      rate: measured ?? (seconds > 0 ? events / seconds : 0)
    }
  }
  return { onProgress, finish }
}
