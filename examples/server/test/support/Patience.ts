/**
 * Waiting in end-to-end tests without wall-clock guesses: a wait goes on while the thing waited for
 * makes progress (a value changes, a process writes output or uses CPU) and fails only after a
 * stretch without any. The stretch is scaled by `STINT_TEST_SLOWDOWN` (set by `vitest.shared.ts`).
 */
import { readFileSync } from "node:fs"

/** How much slower than a quiet 2-core machine this host is (at least 1). */
export const slowdown: number = Math.max(1, Number(process.env.STINT_TEST_SLOWDOWN) || 1)

/** `ms` on a quiet machine, scaled to this host. */
export const scaled = (ms: number): number => Math.round(ms * slowdown)

/** CPU time (user + system clock ticks) a process has used so far, or undefined where unknown. */
export const cpuTicks = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    // /proc/<pid>/stat: the command name is in parentheses and may hold spaces; fields follow it.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** What a wait needs: when it is done, what counts as progress, and how long it may go without. */
export interface Wait<A> {
  /** Named in the failure. */
  readonly what: string
  /** Reads the current value. */
  readonly read: () => A | Promise<A>
  /** True when the wait is over. */
  readonly done: (value: A) => boolean
  /** A snapshot that changes when there is progress (default: the value as JSON). */
  readonly progress?: (value: A) => unknown
  /** How long without progress before failing, on a quiet machine (scaled). Default 20 s. */
  readonly idleMs?: number
  readonly intervalMs?: number
}

/** Reads until `done`; fails with the last value once `idleMs` (scaled) pass without progress. */
export const waitWhileProgressing = async <A>(wait: Wait<A>): Promise<A> => {
  const idleMs = scaled(wait.idleMs ?? 20_000)
  const progressOf = wait.progress ?? ((value: A) => JSON.stringify(value))
  let last = await wait.read()
  let mark = progressOf(last)
  let since = Date.now()
  while (!wait.done(last)) {
    if (Date.now() - since > idleMs) {
      throw new Error(
        `${wait.what}: no progress for ${idleMs} ms; last value: ${JSON.stringify(last, null, 2)?.slice(0, 4000)}`
      )
    }
    await sleep(wait.intervalMs ?? 50)
    last = await wait.read()
    const next = progressOf(last)
    if (next !== mark) {
      mark = next
      since = Date.now()
    }
  }
  return last
}

/** A counting semaphore: at most `permits` holders at once. */
export const semaphore = (permits: number) => {
  let free = permits
  const waiting: Array<() => void> = []
  return async <A>(f: () => Promise<A>): Promise<A> => {
    if (free > 0) free--
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await f()
    } finally {
      const wake = waiting.shift()
      if (wake !== undefined) wake()
      else free++
    }
  }
}
