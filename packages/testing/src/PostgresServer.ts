/**
 * A throwaway PostgreSQL server for tests and benchmarks: the machine's own PostgreSQL binaries
 * (Debian's `postgresql` package), a temporary data directory, a free port on 127.0.0.1, and, when
 * run as root, an unprivileged OS user, because the server refuses to run as root.
 *
 * Plain Node and promises, so a Vitest `globalSetup` (which runs outside any Effect) can use it.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"

/** Where the PostgreSQL server programs live. */
export interface Binaries {
  readonly directory: string
  readonly initdb: string
  readonly postgres: string
  readonly pgIsReady: string
}

/** A started server; `stop` shuts it down and removes its data directory. */
export interface Server {
  /** `postgres://stint@127.0.0.1:<port>/postgres`, trust authentication on loopback only. */
  readonly url: string
  readonly port: number
  readonly binaries: Binaries
  readonly stop: () => Promise<void>
}

export interface StartOptions {
  /** Extra `postgresql.conf` settings, e.g. `{ fsync: "off" }` for tests. Defaults otherwise. */
  readonly settings?: Readonly<Record<string, string>>
  /** Where to find the binaries (default: `findBinaries()`). */
  readonly binaries?: Binaries
  /**
   * How long the server may give no sign of life (no answer to `pg_isready`, no log output) before
   * the start fails; a server that is starting up keeps waiting. Default 60 s.
   */
  readonly startTimeoutMs?: number
}

const binariesIn = (directory: string): Binaries | undefined => {
  const binaries = {
    directory,
    initdb: join(directory, "initdb"),
    postgres: join(directory, "postgres"),
    pgIsReady: join(directory, "pg_isready")
  }
  return existsSync(binaries.initdb) && existsSync(binaries.postgres) && existsSync(binaries.pgIsReady)
    ? binaries
    : undefined
}

/**
 * Finds the server programs: `STINT_PG_BIN` if set, else the newest `/usr/lib/postgresql/<version>/bin`
 * (Debian's layout, whatever the version), else a directory on `PATH` that holds `initdb` and `postgres`.
 */
export const findBinaries = (): Binaries | undefined => {
  const explicit = process.env.STINT_PG_BIN
  if (explicit !== undefined && explicit !== "") return binariesIn(explicit)
  const debian = "/usr/lib/postgresql"
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
    for (const version of versions) {
      const found = binariesIn(join(debian, version, "bin"))
      if (found !== undefined) return found
    }
  }
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    const found = directory === "" ? undefined : binariesIn(directory)
    if (found !== undefined) return found
  }
  return undefined
}

/** The account to run the server as when we are root: `postgres` (made by the package) or `nobody`. */
const unprivilegedUser = (): { readonly name: string; readonly uid: number; readonly gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  for (const name of ["postgres", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim())
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim())
      return { name, uid, gid }
    } catch {
      // no such user: try the next one
    }
  }
  throw new Error("running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as")
}

/** Spawn options that run a program as the unprivileged user when we are root. */
const asUser = (user: ReturnType<typeof unprivilegedUser>) =>
  user === undefined ? {} : { uid: user.uid, gid: user.gid }

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `pg_isready`: 0 accepting connections, 1 rejecting them (starting up), anything else no answer. */
const isReady = (binaries: Binaries, port: number): Promise<"ready" | "starting" | "silent"> =>
  new Promise((resolve) => {
    execFile(binaries.pgIsReady, ["-h", "127.0.0.1", "-p", String(port), "-U", "stint", "-q"], (error) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve(code === 0 ? "ready" : code === 1 ? "starting" : "silent")
    })
  })

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/** Starts a new, empty server. Throws with the server's own output when it cannot start. */
export const start = async (options: StartOptions = {}): Promise<Server> => {
  const binaries = options.binaries ?? findBinaries()
  if (binaries === undefined) {
    throw new Error("no PostgreSQL server binaries found (install Debian's `postgresql` package or set STINT_PG_BIN)")
  }
  const user = unprivilegedUser()
  const directory = mkdtempSync(join(tmpdir(), "stint-pg-"))
  if (user !== undefined) chownSync(directory, user.uid, user.gid)
  const data = join(directory, "data")
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true })

  try {
    execFileSync(
      binaries.initdb,
      ["-D", data, "-U", "stint", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { stdio: "pipe", cwd: directory, ...asUser(user) }
    )
  } catch (error) {
    removeDirectory()
    const output = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error)
    throw new Error(`initdb failed: ${output}`)
  }

  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: directory,
    max_connections: "200",
    ...options.settings
  }

  // The port is free when we look, but another process could take it before the server binds: retry.
  let lastOutput = ""
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const args = ["-D", data, "-p", String(port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])]
    const child = spawn(binaries.postgres, args, { stdio: ["ignore", "pipe", "pipe"], cwd: directory, ...asUser(user) })
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    // A test run that dies without teardown must not leave the server behind.
    const killOnExit = () => child.kill("SIGKILL")
    process.once("exit", killOnExit)

    // No wall-clock guess: on a loaded host start-up (crash recovery, shared buffers) can take long.
    // Poll while the server process lives and answers "starting up"; give up when it exits or when
    // `pg_isready` has had no response at all for `startTimeoutMs` (nothing is listening).
    let lastSign = Date.now()
    let seen = 0
    while (child.exitCode === null && child.signalCode === null) {
      const state = await isReady(binaries, port)
      if (state === "ready") {
        const stop = async () => {
          process.removeListener("exit", killOnExit)
          child.kill("SIGINT") // fast shutdown: roll back open transactions, checkpoint, exit
          await Promise.race([exited(child), sleep(10_000)])
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL")
            await exited(child)
          }
          removeDirectory()
        }
        return { url: `postgres://stint@127.0.0.1:${port}/postgres`, port, binaries, stop }
      }
      if (state === "starting" || output.length > seen) lastSign = Date.now()
      seen = output.length
      if (Date.now() - lastSign > (options.startTimeoutMs ?? 60_000)) break
      await sleep(100)
    }
    process.removeListener("exit", killOnExit)
    child.kill("SIGKILL")
    await exited(child)
    lastOutput = output
  }
  removeDirectory()
  throw new Error(`PostgreSQL did not start:\n${lastOutput}`)
}
