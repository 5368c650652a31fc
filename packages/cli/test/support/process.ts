/**
 * The CLI as operators run it: `node bin/stint.js …` in a child process, with its exit code, stdout
 * and stderr (the databases it runs against come from `@stint/testing/TestDatabases`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The built-in `stint`. */
export const bin = join(import.meta.dirname, "..", "..", "bin", "stint.js")

/** A host's own `stint`, with `mentor-load` at version 2 (see `host.ts`). */
export const hostBin = join(import.meta.dirname, "host-stint.js")

interface Launch {
  readonly cwd?: string
  readonly env?: Record<string, string>
  /** The script to run (default: the built-in `stint`). */
  readonly bin?: string
}

/** A directory of its own for a test (the cwd of the CLI, where no `data/stint.db` exists). */
export const temporaryDirectory = (): string => mkdtempSync(join(tmpdir(), "stint-cli-"))

/** What a finished run printed, and how it ended. */
export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A running `stint`. */
export interface Running {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly done: Promise<Result>
}

/** Starts `stint args…` (no `DATABASE_URL` unless given in `env`). */
export const start = (args: ReadonlyArray<string>, options: Launch = {}): Running => {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env }
  if (options.env?.DATABASE_URL === undefined) delete env.DATABASE_URL
  // A working directory of its own unless given: removed when the run ends.
  const own = options.cwd === undefined ? temporaryDirectory() : undefined
  const child = spawn(process.execPath, [options.bin ?? bin, ...args], {
    cwd: options.cwd ?? own,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
  })
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => {
      if (own !== undefined) rmSync(own, { recursive: true, force: true })
      resolve({ code, stdout, stderr })
    })
  })
  return { child, stdout: () => stdout, stderr: () => stderr, done }
}

/** Runs `stint args…` to its end. */
export const run = (args: ReadonlyArray<string>, options: Launch = {}): Promise<Result> => start(args, options).done

/** How much slower than a quiet 2-core machine this host is (`STINT_TEST_SLOWDOWN`, set by `vitest.shared.ts`). */
export const slowdown: number = Math.max(1, Number(process.env.STINT_TEST_SLOWDOWN) || 1)

/** CPU time (clock ticks) a process has used so far, or undefined where unknown (not Linux, exited). */
const cpuTicks = (pid: number | undefined): number | undefined => {
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

/**
 * Waits until `condition` holds (polling). No wall-clock guess: it fails with `what` only once `idleMs`
 * (20 s, scaled by `STINT_TEST_SLOWDOWN`) passed without progress — `progress()` changing, by default
 * the output and CPU time of `running`.
 */
export const waitFor = async (
  what: string,
  condition: () => boolean,
  options: { readonly running?: Running; readonly progress?: () => unknown; readonly idleMs?: number } = {}
): Promise<void> => {
  const idleMs = (options.idleMs ?? 20_000) * slowdown
  const progress =
    options.progress ??
    (() =>
      options.running === undefined
        ? undefined
        : `${options.running.stdout().length} ${options.running.stderr().length} ${cpuTicks(options.running.child.pid)}`)
  let mark = await progress()
  let since = Date.now()
  const child = options.running?.child
  while (!condition()) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`stint exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}`)
    }
    if (Date.now() - since > idleMs) throw new Error(`no progress for ${idleMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const next = await progress()
    if (next !== mark) {
      mark = next
      since = Date.now()
    }
  }
}
