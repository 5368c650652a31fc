/**
 * Crash safety over real HTTP: a client sends commands from several workers at once (each with an
 * `Idempotency-Key`), the server is killed with SIGKILL mid-stream, and restarted on the same data.
 * Then: every command that got a 2xx has its events in the log, retrying every command with its key
 * appends nothing that was already appended, the log holds exactly the events the answers name, and
 * the read models equal a rebuild from the log on a copy of the database.
 */
import { afterAll, assert, describe, expect, it } from "@effect/vitest"
import {
  type Accepted,
  type Backend,
  type CommandBody,
  caughtUp,
  type Client,
  copyWithoutReadModels,
  type Database,
  type EngagementJson,
  eventually,
  type FeedEvent,
  freshDatabase,
  type JournalJson,
  goal,
  newSecret,
  pgUrl,
  type Server,
  start,
  uuid
} from "./support/Server.js"
import type { CommandName } from "../src/Api.js"

/** One command as the client sent it, and what came back. */
interface Sent {
  readonly name: CommandName
  readonly who: string
  readonly key: string
  readonly body: Record<string, unknown>
  readonly engagementId?: string
  readonly step: number
  /** The HTTP status, or undefined when the connection failed (the outcome is unknown). */
  status?: number
  /** Sent after the server was told to stop. */
  late?: boolean
  accepted?: Accepted
  text?: string
}

const workers = 6
/** The server is killed once this many commands were acknowledged. */
const killAfter = 90

/** The steps of one engagement, in order; `mentee` and `mentor` name who sends each. */
const steps = (engagementId: string, mentorId: string, area: string) =>
  [
    {
      name: "requestEngagement",
      by: "mentee",
      body: () => ({
        engagementId,
        mentorId,
        area,
        need: "Get unstuck on one thing",
        goals: [goal("One thing")],
        scope: { sessions: 2 }
      })
    },
    { name: "agreeEngagement", by: "mentor", body: () => ({ engagementId }) },
    {
      name: "recordSession",
      by: "mentee",
      // Computed when first sent (after the agreement), then resent unchanged.
      body: () => ({ engagementId, sessionId: uuid(), heldAt: new Date().toISOString(), minutes: 20 })
    },
    {
      name: "addNote",
      by: "mentor",
      body: () => ({ engagementId, noteId: uuid(), visibility: "shared", text: `notes for ${engagementId}` })
    },
    { name: "closeEngagement", by: "mentee", body: () => ({ engagementId, outcome: "completed" }) },
    { name: "giveFeedback", by: "mentor", body: () => ({ engagementId, rating: 4 }) }
  ] as const

/** What an engagement looks like once its first `done` steps were applied. */
const expectedAfter = (done: number) => ({
  state: done <= 1 ? "requested" : done <= 4 ? "active" : "completed",
  held: done >= 3 ? 1 : 0,
  mentorRating: done >= 6 ? 4 : null
})

const send = async (client: Client, sent: Sent): Promise<Sent> => {
  try {
    const reply = await client.command(sent.name, sent.body as CommandBody<typeof sent.name>, { key: sent.key })
    sent.status = reply.status
    sent.text = reply.text
    if (reply.status === 200) sent.accepted = reply.body
  } catch {
    // The connection failed: the command may or may not have been appended.
  }
  return sent
}

/** How the first server ends mid-stream: kill -9, or SIGTERM (a graceful shutdown). */
type Ending = "SIGKILL" | "SIGTERM"

const crashSuite = (backend: Backend, ending: Ending) => {
  const databases: Array<Database> = []
  const servers: Array<Server> = []

  afterAll(async () => {
    for (const server of servers) {
      if (server.process.exitCode === null && server.process.signalCode === null) await server.kill()
    }
    for (const database of databases) await database.dispose()
  })

  const title =
    ending === "SIGKILL"
      ? "every acknowledged command survives kill -9, none is applied twice, read models equal a rebuild"
      : "SIGTERM mid-stream: in-flight commands finish or are refused whole; the same guarantees after restart"
  it(title, async () => {
    const database = await freshDatabase(backend)
    databases.push(database)
    const secret = newSecret()
    const first = await start(database, { secret, seed: true })
    servers.push(first)
    await caughtUp(first)
    const run = uuid().slice(0, 8)
    const marker = (server: Server, name: string) =>
      server.as(`marker-${run}-${name}`).ok("declareInterests", { areas: [name] })
    const begin = (await marker(first, "begin")).events.at(-1)!.checkpoint

    // ── send commands from several workers until the server is killed ─────────────────────────
    const log: Array<Sent> = []
    let acknowledged = 0
    let killed: Promise<unknown> | undefined
    const worker = async (w: number) => {
      const mentorId = `crash-${run}-mentor-${w}`
      const area = `area-${w}`
      const mentor = first.as(mentorId)
      const registration: Sent = {
        name: "registerMentor",
        who: mentorId,
        key: `${run}-${w}-register`,
        body: { mentorId, areas: [area], capacity: { engagements: 2, sessions: 20 } },
        step: 0
      }
      log.push(registration)
      if ((await send(mentor, registration)).status !== 200) return
      for (let e = 0; killed === undefined; e++) {
        const menteeId = `crash-${run}-mentee-${w}-${e}`
        const engagementId = uuid()
        const mentee = first.as(menteeId)
        for (const [i, step] of steps(engagementId, mentorId, area).entries()) {
          const sent: Sent = {
            name: step.name,
            who: step.by === "mentee" ? menteeId : mentorId,
            key: `${run}-${w}-${e}-${i}`,
            body: step.body(),
            engagementId,
            step: i + 1
          }
          log.push(sent)
          await send(step.by === "mentee" ? mentee : mentor, sent)
          sent.late = killed !== undefined
          if (sent.status !== 200) return
          acknowledged++
          if (acknowledged === killAfter) killed = ending === "SIGKILL" ? first.kill() : first.stop()
        }
      }
    }
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
    assert.isDefined(killed, `the server was killed mid-stream (acknowledged ${acknowledged})`)
    expect(await killed, `the first server's last output:\n${first.output().slice(-4000)}`).toEqual(
      ending === "SIGKILL" ? { code: null, signal: "SIGKILL" } : { code: 0, signal: null }
    )
    // Every command succeeded, or (once the server was stopping) got 503 or no answer: anything else is a bug.
    const lost = (s: Sent) => s.status === undefined || (s.late === true && s.status === 503)
    const refused = log.filter((s) => s.status !== 200 && !lost(s))
    expect(refused.map((s) => `${s.name} ${s.status} ${s.text}`)).toEqual([])
    const unknown = log.filter(lost)
    if (ending === "SIGKILL") expect(unknown.length).toBeGreaterThan(0)

    // ── restart on the same data ───────────────────────────────────────────────────────────────
    const second = await start(database, { secret, seed: true })
    servers.push(second)
    await caughtUp(second)

    // Every acknowledged command, retried with its key, is answered from the log: same id, same events.
    for (const sent of log.filter((s) => s.accepted !== undefined)) {
      const reply = await second.as(sent.who).command(sent.name, sent.body as never, { key: sent.key })
      expect(reply.status, `${sent.name} ${sent.key}: ${reply.text}`).toBe(200)
      expect(reply.body.replayed, `${sent.name} ${sent.key} replayed`).toBe(true)
      expect(reply.body.commandId).toBe(sent.accepted!.commandId)
      expect(reply.body.events).toEqual(sent.accepted!.events)
    }
    // A command whose answer was lost is either in the log (replayed) or applied now, once.
    for (const sent of unknown) {
      const reply = await second.as(sent.who).command(sent.name, sent.body as never, { key: sent.key })
      expect(reply.status, `${sent.name} ${sent.key}: ${reply.text}`).toBe(200)
      const again = await second.as(sent.who).command(sent.name, sent.body as never, { key: sent.key })
      expect(again.status).toBe(200)
      expect(again.body.replayed).toBe(true)
      expect(again.body.events).toEqual(reply.body.events)
      sent.status = 200
      sent.accepted = reply.body
    }

    // ── the log holds exactly the events the answers name, each once ───────────────────────────
    const end = (await marker(second, "end")).events
    const feed = await second.as(`crash-${run}-staff`, "admin").feed({
      lastEventId: begin,
      until: (events) => events.some((e) => e.id === end.at(-1)!.checkpoint),
      timeoutMs: 30_000
    })
    assert.isFalse(feed.timedOut, "the admin feed reached the end marker")
    const answered = [...log.flatMap((s) => s.accepted?.events ?? []), ...end]
    expect(new Set(answered.map((e) => e.checkpoint)).size).toBe(answered.length)
    // Staff see every stream but no notes: the notes are checked in the journals below.
    const notes = answered.filter((e) => e.type === "NoteAdded")
    const visible = answered.filter((e) => e.type !== "NoteAdded")
    const byId = new Map<string, FeedEvent>(feed.events.map((e) => [e.id, e]))
    expect(byId.size).toBe(feed.events.length)
    expect([...byId.keys()].sort()).toEqual(visible.map((e) => e.checkpoint).sort())
    for (const event of visible) {
      const logged = byId.get(event.checkpoint)!
      expect(logged.event).toBe(event.type)
      expect(logged.data.streamId).toBe(event.streamId)
      expect(logged.data.version).toBe(event.version)
    }
    // Stream versions after `begin` follow on from each other, with no gap and no repeat.
    const versions = new Map<string, Array<number>>()
    for (const e of [...feed.events.map((f) => ({ streamId: f.data.streamId, version: f.data.version })), ...notes]) {
      versions.set(e.streamId, [...(versions.get(e.streamId) ?? []), e.version])
    }
    for (const [stream, seen] of versions) {
      const sorted = [...seen].sort((a, b) => a - b)
      expect(sorted, stream).toEqual(sorted.map((_, i) => sorted[0]! + i))
    }

    // ── the read models agree with what the commands did ───────────────────────────────────────
    const staff = second.as(`crash-${run}-staff`, "admin")
    const engagements = new Map<string, number>()
    for (const sent of log) {
      if (sent.engagementId !== undefined && sent.accepted !== undefined) {
        engagements.set(sent.engagementId, Math.max(engagements.get(sent.engagementId) ?? 0, sent.step))
      }
    }
    expect(engagements.size).toBeGreaterThan(workers)
    await caughtUp(second)
    const lastVersion = (id: string) =>
      Math.max(...feed.events.filter((e) => e.data.streamId.includes(id)).map((e) => e.data.version))
    for (const [id, done] of engagements) {
      const document = await eventually(
        () => staff.get<EngagementJson>(`/engagements/${id}`),
        (r) => r.status === 200 && r.body.through === lastVersion(id)
      )
      const expected = expectedAfter(done)
      // The note the mentor added, if acknowledged, is in the journal exactly once.
      const note = log.find((s) => s.engagementId === id && s.name === "addNote" && s.accepted !== undefined)
      if (note !== undefined) {
        const journal = await eventually(
          () => second.as(note.who).get<JournalJson>(`/engagements/${id}/journal`),
          (r) => r.status === 200 && r.body.notes.length > 0
        )
        expect(journal.body.notes.map((n) => n.noteId)).toEqual([note.body.noteId])
      }
      expect({
        id,
        state: document.body.state,
        held: document.body.sessions.held,
        rating: document.body.ratings.mentor
      }).toEqual({
        id,
        state: expected.state,
        held: expected.held,
        rating: expected.mentorRating
      })
    }

    // ── and equal a rebuild from the log alone ─────────────────────────────────────────────────
    const mentors = [...new Set(log.filter((s) => s.name === "registerMentor").map((s) => s.who))]
    const mentees = [...new Set(log.filter((s) => s.name === "requestEngagement" && s.accepted).map((s) => s.who))]
    const snapshot = async (server: Server) => {
      const admin = server.as(`crash-${run}-staff`, "admin")
      const read = async (client: Client, path: string) => {
        const reply = await client.get(path)
        return { path, status: reply.status, body: reply.body }
      }
      const documents = []
      for (const id of engagements.keys()) {
        documents.push(await read(admin, `/engagements/${id}`))
        const mentorId = log.find((s) => s.engagementId === id && s.step === 1)!.body.mentorId as string
        documents.push(await read(server.as(mentorId), `/engagements/${id}/journal`))
      }
      for (const mentor of mentors) {
        documents.push(await read(server.as(mentor), `/mentors/${mentor}/load`))
        documents.push(await read(server.as(mentor), `/mentors/${mentor}/inbox`))
      }
      for (const mentee of mentees) documents.push(await read(server.as(mentee), `/mentees/${mentee}/network`))
      documents.push(await read(admin, "/programme"))
      documents.push(await read(admin, "/deadlines?limit=200"))
      return documents
    }
    await caughtUp(second)
    const served = await snapshot(second)
    expect(served.filter((d) => d.status !== 200).map((d) => d.path)).toEqual([])
    expect(await second.stop()).toEqual({ code: 0, signal: null })

    const copy = await copyWithoutReadModels(database)
    databases.push(copy)
    const rebuilt = await start(copy, { secret, seed: false })
    servers.push(rebuilt)
    await caughtUp(rebuilt)
    const fromLog = await snapshot(rebuilt)
    expect(fromLog).toEqual(served)
    expect(await rebuilt.stop()).toEqual({ code: 0, signal: null })
  })
}

describe("Crash on SQLite", () => {
  crashSuite("sqlite", "SIGKILL")
  crashSuite("sqlite", "SIGTERM")
})
describe.skipIf(pgUrl === "")("Crash on PostgreSQL", () => {
  crashSuite("postgresql", "SIGKILL")
  crashSuite("postgresql", "SIGTERM")
})
