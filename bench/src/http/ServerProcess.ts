/**
 * The example server as its own process on 127.0.0.1 and a free port (`PORT=0`), configured only
 * through its environment, as an operator would run it: bundled to plain JavaScript beside the bench
 * (`dist/server.mjs`, from `examples/server/src/main.ts`, so it runs as production code does, like
 * the in-process side), or with tsx exactly as `pnpm start` runs it. Its JSON log lines are read to
 * find its address and to count the errors it logged; the last ones are kept for failure messages.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as Launch from "../../../examples/server/src/Launch.js"

/** How the server's TypeScript runs. */
export type Mode = "bundled" | "tsx"

export interface Options {
  readonly mode: Mode
  readonly dataDir: string
  /** PostgreSQL; SQLite under `dataDir` when absent. */
  readonly databaseUrl?: string
  /** `STINT_SECRET`: the bench mints the tokens with it. */
  readonly secret: string
}

export interface Server {
  readonly url: string
  readonly pid: number
  /** Log lines at level ERROR so far (a 5xx logs its cause once). */
  readonly errorsLogged: () => number
  /** The last lines the process wrote. */
  readonly tail: () => string
  /** User plus system CPU time of the process so far, in seconds (Linux `/proc`), or undefined. */
  readonly cpuSeconds: () => number | undefined
  /** SIGTERM (graceful shutdown), SIGKILL after 15 s. */
  readonly stop: () => Promise<void>
}

const benchDirectory = join(dirname(fileURLToPath(import.meta.url)), "..")
const serverDirectory = join(benchDirectory, "..", "examples", "server")

const started = new Set<ChildProcess>()
// A bench that dies must not leave servers behind.
process.once("exit", () => {
  for (const child of started) child.kill("SIGKILL")
})

/** `/proc/<pid>/stat` fields 14 and 15 (utime, stime) in clock ticks of 1/100 s. */
const cpuOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

/** Starts the server; resolves once it logs that it is listening. */
export const start = (options: Options): Promise<Server> => {
  const env = Launch.environment({
    PORT: "0",
    HOST: "127.0.0.1",
    STINT_DATA_DIR: options.dataDir,
    STINT_SECRET: options.secret,
    STINT_SEED: "false",
    ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl })
  })
  const child =
    options.mode === "bundled"
      ? spawn(process.execPath, [join(benchDirectory, "dist", "server.mjs")], { cwd: benchDirectory, env })
      : spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: serverDirectory, env })
  started.add(child)
  const lines: Array<string> = []
  let errors = 0
  const keep = (line: string) => {
    lines.push(line)
    if (lines.length > 40) lines.shift()
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  void exited.then(() => started.delete(child))
  createInterface({ input: child.stderr! }).on("line", keep)

  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the server did not listen within 60 s:\n${lines.join("\n")}`))
    }, 60_000)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`the server exited before listening (code ${child.exitCode}):\n${lines.join("\n")}`))
    })
    let url: string | undefined
    createInterface({ input: child.stdout! }).on("line", (line) => {
      keep(line)
      if (line.includes('"logLevel":"ERROR"')) errors++
      if (url !== undefined) return
      url = Launch.listeningUrl(line)
      if (url === undefined) return
      clearTimeout(timer)
      resolve({
        url,
        pid: child.pid!,
        errorsLogged: () => errors,
        tail: () => lines.join("\n"),
        cpuSeconds: () => cpuOf(child.pid!),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill("SIGTERM")
          const timeout = setTimeout(() => child.kill("SIGKILL"), 15_000)
          await exited
          clearTimeout(timeout)
        }
      })
    })
  })
}
