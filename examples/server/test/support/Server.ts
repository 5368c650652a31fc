/**
 * The end-to-end harness: a real server process (`node --import tsx src/main.ts`) on a real SQLite
 * file or a fresh PostgreSQL database, tokens minted with the server's secret, and a small fetch
 * client over real HTTP (commands, read models, the SSE feed).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { inject } from "@effect/vitest"
import type { Deadlines, EngagementView, MenteeNetwork, MentorInbox, MentorLoad, SessionJournal } from "@stint/core"
import type { ProgramMetrics } from "@stint/core"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import { type CommandName, type commands, pathOf } from "../../src/Api.js"
import * as Launch from "../../src/Launch.js"
import * as Token from "../../src/Token.js"
import { cpuTicks, scaled, semaphore, waitWhileProgressing } from "./Patience.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL server's URL, or "" when PostgreSQL tests must skip (see the sql package's setup). */
    readonly pgUrl: string
  }
}

/** The PostgreSQL server of this run, or "" when there is none (the PostgreSQL tests skip). */
export const pgUrl: string = inject("pgUrl")

const serverDirectory = join(import.meta.dirname, "..", "..")

// ── databases ─────────────────────────────────────────────────────────────────────────────────

export type Backend = "sqlite" | "postgresql"

/** Where a server keeps its data: always a data directory, and a database URL on PostgreSQL. */
export interface Database {
  readonly backend: Backend
  readonly dataDir: string
  readonly databaseUrl?: string
  /** Drops the database and removes the data directory. */
  readonly dispose: () => Promise<void>
}

const temporaryDirectory = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

const withDatabaseName = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const runSql = <A>(
  layer: Layer.Layer<SqlClient.SqlClient, unknown>,
  body: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>
): Promise<A> => Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, body).pipe(Effect.provide(layer), Effect.orDie))

const onPostgresAdmin = (statement: string) =>
  runSql(PgClient.layer({ url: Redacted.make(pgUrl), maxConnections: 1 }), (sql) => sql.unsafe(statement))

/** A new data directory; the server creates `stint.db` in it. */
export const sqliteDatabase = (): Database => {
  const dataDir = temporaryDirectory("stint-server-")
  return {
    backend: "sqlite",
    dataDir,
    dispose: async () => rmSync(dataDir, { recursive: true, force: true })
  }
}

const pgDatabaseNamed = async (name: string, template?: string): Promise<Database> => {
  await onPostgresAdmin(
    template === undefined ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`
  )
  const dataDir = temporaryDirectory("stint-server-pg-")
  return {
    backend: "postgresql",
    dataDir,
    databaseUrl: withDatabaseName(pgUrl, name),
    dispose: async () => {
      await onPostgresAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** A new, empty database on the run's PostgreSQL server. */
export const pgDatabase = (): Promise<Database> => pgDatabaseNamed(`stint_e2e_${randomUUID().replaceAll("-", "")}`)

/** A fresh database of either backend. */
export const freshDatabase = (backend: Backend): Promise<Database> =>
  backend === "sqlite" ? Promise.resolve(sqliteDatabase()) : pgDatabase()

const projectionTables = ["stint_documents", "stint_document_keys", "stint_projections", "stint_checkpoints"]

/**
 * A copy of a database (no server may be running on it) with every read model and checkpoint
 * removed, so a server started on it rebuilds its read models from the event log alone.
 */
export const copyWithoutReadModels = async (database: Database): Promise<Database> => {
  if (database.backend === "sqlite") {
    const copy = sqliteDatabase()
    cpSync(database.dataDir, copy.dataDir, { recursive: true })
    await runSql(SqliteClient.layer({ filename: join(copy.dataDir, "stint.db") }), (sql) =>
      Effect.forEach(projectionTables, (table) => sql.unsafe(`DELETE FROM ${table}`), { discard: true })
    )
    return copy
  }
  const source = new URL(database.databaseUrl!).pathname.slice(1)
  const copy = await pgDatabaseNamed(`stint_e2e_${randomUUID().replaceAll("-", "")}`, source)
  await runSql(PgClient.layer({ url: Redacted.make(copy.databaseUrl!), maxConnections: 1 }), (sql) =>
    Effect.forEach(projectionTables, (table) => sql.unsafe(`DELETE FROM ${table}`), { discard: true })
  )
  return copy
}

// ── the server process ────────────────────────────────────────────────────────────────────────

export interface StartOptions {
  readonly seed?: boolean
  /** `STINT_DEADLINE_INTERVAL`, e.g. "200 millis". */
  readonly deadlineInterval?: string
  /** The signing secret (32+ characters); a new one by default. Pass the same one to restart. */
  readonly secret?: string
  readonly env?: Readonly<Record<string, string>>
  /** Variables to leave out of the environment (e.g. `STINT_SECRET`). */
  readonly unset?: ReadonlyArray<string>
  /**
   * How long the process may show no progress (no output, no CPU time) before it has logged
   * "listening", on a quiet machine (scaled by `STINT_TEST_SLOWDOWN`). Default 30 s.
   */
  readonly startTimeoutMs?: number
}

/** How a server process ended. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running server process. */
export interface Server {
  readonly url: string
  readonly secret: string
  readonly database: Database
  readonly process: ChildProcess
  /** Every line the process wrote to stdout and stderr so far. */
  readonly output: () => string
  /** A token for `sub` with `role`, signed with the server's secret. */
  readonly token: (sub: string, role?: Token.Role) => string
  /** A client acting as `sub` with `role`. */
  readonly as: (sub: string, role?: Token.Role) => Client
  /** A client without a token. */
  readonly anonymous: Client
  /** SIGTERM, then the exit; SIGKILL after `timeoutMs` (20 s, scaled) if it has not exited by then. */
  readonly stop: (timeoutMs?: number) => Promise<Exit>
  /** SIGKILL (kill -9), then the exit. */
  readonly kill: () => Promise<Exit>
}

const running = new Set<ChildProcess>()
// A test run that dies must not leave servers behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL")
})

const exitOf = (child: ChildProcess): Promise<Exit> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode })
    else child.once("exit", (code, signal) => resolve({ code, signal }))
  })

/**
 * Process starts at once: starting compiles the sources (tsx) and is CPU-bound, so starting many
 * together on a small host only makes each slower. Beyond the cores, a start waits for a free slot.
 */
const starting = semaphore(Math.max(2, availableParallelism()))

/** A new signing secret. */
export const newSecret = (): string => randomBytes(32).toString("base64url")

/**
 * Starts a server on `database`; resolves once it logs that it is listening. It fails when the process
 * exits first, or shows no progress for `startTimeoutMs` — never because the host is slow.
 */
export const start = (database: Database, options: StartOptions = {}): Promise<Server> =>
  starting(() => launch(database, options))

const launch = async (database: Database, options: StartOptions): Promise<Server> => {
  const secret = options.secret ?? newSecret()
  const env = Launch.environment({
    PORT: "0",
    HOST: "127.0.0.1",
    STINT_DATA_DIR: database.dataDir,
    STINT_SECRET: secret,
    STINT_SEED: String(options.seed ?? true),
    STINT_DEADLINE_INTERVAL: options.deadlineInterval ?? "200 millis",
    ...(database.databaseUrl === undefined ? {} : { DATABASE_URL: database.databaseUrl }),
    ...options.env
  })
  for (const name of options.unset ?? []) delete env[name]
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDirectory,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  running.add(child)
  const exited = exitOf(child).then((exit) => {
    running.delete(child)
    return exit
  })
  let output = ""
  let pending = ""
  let listening: string | undefined
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString()
    pending += chunk.toString()
    const lines = pending.split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) listening ??= Launch.listeningUrl(line)?.replace(/\/$/, "")
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  let exit: Exit | undefined
  void exited.then((e) => {
    exit = e
  })
  try {
    await waitWhileProgressing({
      what: 'the server to log "listening"',
      read: () => ({ listening, exited: exit !== undefined, output: output.length, cpu: cpuTicks(child.pid) }),
      done: (state) => state.listening !== undefined || state.exited,
      progress: (state) => `${state.output} ${state.cpu}`,
      idleMs: options.startTimeoutMs ?? 30_000
    })
  } catch (error) {
    child.kill("SIGKILL")
    throw new Error(`${String(error)}\n${output}`)
  }
  if (listening === undefined) {
    const e = await exited
    // The last lines (the reason it exited) may still be in the pipe after the exit.
    await new Promise((resolve) => (child.stdout!.closed ? resolve(undefined) : child.stdout!.once("close", resolve)))
    throw new Error(`the server exited (${e.code ?? e.signal}) before listening:\n${output}`)
  }
  const url = listening
  const token = (sub: string, role: Token.Role = "user") =>
    Token.mint(secret, { sub, role }, Math.floor(Date.now() / 1000))
  return {
    url,
    secret,
    database,
    process: child,
    output: () => output,
    token,
    as: (sub, role = "user") => new Client(url, token(sub, role)),
    anonymous: new Client(url, undefined),
    stop: async (timeoutMs = 20_000) => {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), scaled(timeoutMs))
      const exit = await exited
      clearTimeout(timer)
      return exit
    },
    kill: () => {
      child.kill("SIGKILL")
      return exited
    }
  }
}

// ── the client ────────────────────────────────────────────────────────────────────────────────

/** A command's JSON body: its encoded fields without the tag (the path names the command). */
export type CommandBody<N extends CommandName> = Omit<Schema.Schema.Encoded<(typeof commands)[N]>, "_tag">

/** The 200 answer to a command. */
export interface Accepted {
  readonly commandId: string
  readonly replayed: boolean
  readonly events: ReadonlyArray<{
    readonly type: string
    readonly streamId: string
    readonly version: number
    readonly checkpoint: string
  }>
}

/** Every error body: a tag and a readable message, and for refusals the refusal's tag and fields. */
export interface ErrorBody {
  readonly _tag: string
  readonly message?: string
  readonly refusal?: string
  readonly details?: Record<string, unknown>
  readonly [key: string]: unknown
}

/** An HTTP answer: the status, the raw text, and the JSON body (undefined when the body is not JSON). */
export interface Reply<A = unknown> {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: A
  readonly isJson: boolean
}

/** The read models as JSON. */
export type EngagementJson = Schema.Schema.Encoded<typeof EngagementView.Document>
export type JournalJson = Schema.Schema.Encoded<typeof SessionJournal.ForViewer>
export type MentorLoadJson =
  | Schema.Schema.Encoded<typeof MentorLoad.MentorLoad>
  | Schema.Schema.Encoded<typeof MentorLoad.PublicMentorLoad>
export type InboxJson = Schema.Schema.Encoded<typeof MentorInbox.MentorInbox>
export type NetworkJson = Schema.Schema.Encoded<typeof MenteeNetwork.MenteeNetwork>
export type ProgrammeJson = Schema.Schema.Encoded<typeof ProgramMetrics.Programme>
export type DeadlineJson = Schema.Schema.Encoded<typeof Deadlines.Deadline>
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next: string | null
}

/** One Server-Sent Event of the feed. */
export interface FeedEvent {
  readonly id: string
  readonly event: string
  /** The raw `data:` text. */
  readonly raw: string
  readonly data: {
    readonly streamId: string
    readonly version: number
    readonly recordedAt: string
    readonly event: { readonly _tag: string; readonly [key: string]: unknown }
  }
}

export interface FeedRead {
  readonly status: number
  readonly contentType: string | null
  readonly events: ReadonlyArray<FeedEvent>
  /** The body when the answer was not a stream (an error). */
  readonly errorBody?: unknown
  /** True when the read stopped for lack of new events rather than at `until`. */
  readonly timedOut: boolean
}

const toReply = async <A>(response: Response): Promise<Reply<A>> => {
  const text = await response.text()
  let body: unknown
  let isJson = false
  try {
    body = JSON.parse(text)
    isJson = true
  } catch {
    body = undefined
  }
  return { status: response.status, headers: response.headers, text, body: body as A, isJson }
}

/** A fetch client for one caller. */
export class Client {
  constructor(
    readonly url: string,
    readonly token: string | undefined
  ) {}

  private authorization(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }
  }

  /** Any request; `headers` replace the defaults (the token, JSON content type) where they overlap. */
  async raw(
    method: string,
    path: string,
    init: { readonly body?: string | Uint8Array; readonly headers?: Record<string, string> } = {}
  ): Promise<Reply> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...this.authorization(),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers
      },
      ...(init.body === undefined ? {} : { body: init.body })
    })
    return toReply(response)
  }

  /** `POST /commands/<name>` with the body as JSON; `key` is the `Idempotency-Key`. */
  command<N extends CommandName>(
    name: N,
    body: CommandBody<N> & Record<string, unknown>,
    options: { readonly key?: string; readonly headers?: Record<string, string> } = {}
  ): Promise<Reply<Accepted & ErrorBody>> {
    return this.raw("POST", pathOf(name), {
      body: JSON.stringify(body),
      headers: { ...(options.key === undefined ? {} : { "idempotency-key": options.key }), ...options.headers }
    }) as Promise<Reply<Accepted & ErrorBody>>
  }

  /** A command that must succeed: its `Accepted` answer, or an error with the server's reply. */
  async ok<N extends CommandName>(
    name: N,
    body: CommandBody<N> & Record<string, unknown>,
    options: { readonly key?: string } = {}
  ): Promise<Accepted> {
    const reply = await this.command(name, body, options)
    if (reply.status !== 200) throw new Error(`${name} answered ${reply.status}: ${reply.text}`)
    return reply.body
  }

  get<A>(path: string): Promise<Reply<A>> {
    return this.raw("GET", path) as Promise<Reply<A>>
  }

  /**
   * Reads `GET /feed` (from `lastEventId` when given) until `until` holds for the events so far or
   * `timeoutMs` (10 s, scaled by `STINT_TEST_SLOWDOWN`) passes without a new event, then closes the
   * connection. A feed that keeps delivering is never cut off.
   */
  async feed(
    options: {
      readonly lastEventId?: string
      readonly until?: (events: ReadonlyArray<FeedEvent>) => boolean
      readonly timeoutMs?: number
      readonly headers?: Record<string, string>
    } = {}
  ): Promise<FeedRead> {
    const controller = new AbortController()
    let timedOut = false
    const idleMs = scaled(options.timeoutMs ?? 10_000)
    let timer: ReturnType<typeof setTimeout> | undefined
    const idle = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, idleMs)
    }
    idle()
    const events: Array<FeedEvent> = []
    try {
      const response = await fetch(`${this.url}/feed`, {
        headers: {
          ...this.authorization(),
          accept: "text/event-stream",
          ...(options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId }),
          ...options.headers
        },
        signal: controller.signal
      })
      const contentType = response.headers.get("content-type")
      if (response.status !== 200 || response.body === null) {
        const reply = await toReply(response)
        return { status: response.status, contentType, events, errorBody: reply.body, timedOut: false }
      }
      const decoder = new TextDecoder()
      let buffer = ""
      let fields: { id?: string; event?: string; data: Array<string> } = { data: [] }
      const reader = response.body.getReader()
      try {
        while (options.until === undefined || !options.until(events)) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += decoder.decode(value, { stream: true })
          let newline = buffer.indexOf("\n")
          while (newline >= 0) {
            const line = buffer.slice(0, newline).replace(/\r$/, "")
            buffer = buffer.slice(newline + 1)
            newline = buffer.indexOf("\n")
            if (line === "") {
              if (fields.data.length > 0 && fields.id !== undefined) {
                const raw = fields.data.join("\n")
                events.push({ id: fields.id, event: fields.event ?? "message", raw, data: JSON.parse(raw) })
                idle()
              }
              fields = { data: [] }
            } else if (!line.startsWith(":")) {
              const colon = line.indexOf(":")
              const name = colon < 0 ? line : line.slice(0, colon)
              const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "")
              if (name === "id") fields.id = value
              else if (name === "event") fields.event = value
              else if (name === "data") fields.data.push(value)
            }
          }
        }
      } catch (error) {
        if (!timedOut) throw error
      }
      controller.abort()
      return { status: 200, contentType, events, timedOut }
    } catch (error) {
      if (timedOut) return { status: 200, contentType: null, events, timedOut }
      throw error
    } finally {
      clearTimeout(timer)
    }
  }
}

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

/**
 * Polls `read` until `accept` holds for its value (async read models lag a little), and returns that
 * value; fails with the last value seen once `timeoutMs` (scaled by `STINT_TEST_SLOWDOWN`) passed
 * without the value changing. A value that moves (a lag that shrinks) is progress: the wait goes on.
 */
export const eventually = <A>(read: () => Promise<A>, accept: (value: A) => boolean, timeoutMs = 15_000): Promise<A> =>
  waitWhileProgressing({ what: "condition not met", read, done: accept, idleMs: timeoutMs })

/** Waits for `GET /ready` to answer 200 with every projection caught up (lag 0). */
export const caughtUp = (server: Server, timeoutMs = 30_000) =>
  eventually(
    () =>
      server.anonymous.get<{
        status: string
        projections: ReadonlyArray<{ name: string; state: string; lag: number }>
      }>("/ready"),
    (reply) => reply.status === 200 && reply.body.projections.every((p) => p.lag === 0),
    timeoutMs
  )

/** A goal as the commands take it. */
export const goal = (statement: string, successCriterion = `${statement}: done`) => ({ statement, successCriterion })

/** An ISO instant `minutesAgo` minutes before now. */
export const minutesAgo = (minutes: number): string => new Date(Date.now() - minutes * 60_000).toISOString()

export const uuid = (): string => randomUUID()
