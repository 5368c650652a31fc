/**
 * The CLI as operators run it: `node bin/stint.js …` in a child process, with its exit code, stdout
 * and stderr (the databases it runs against come from `@stint/testing/TestDatabases`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
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

/** Waits until `condition` holds (polling), failing after `timeout` milliseconds with `what`. */
export const waitFor = async (what: string, condition: () => boolean, timeout = 20_000): Promise<void> => {
  const until = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
