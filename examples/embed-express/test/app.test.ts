/** The example over real HTTP, on a real SQLite file in a temporary directory. */
import { mkdtempSync, rmSync } from "node:fs"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { open, type StintClient } from "@stint/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createApp } from "../src/app.js"

let directory: string
let stint: StintClient
let server: Server
let base: string

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "stint-express-"))
  stint = await open({ database: join(directory, "stint.db"), logLevel: "None" })
  server = createApp(stint).listen(0, "127.0.0.1")
  await new Promise((resolve) => server.once("listening", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await stint.close()
  rmSync(directory, { recursive: true, force: true })
})

/** An error reply of the app. */
interface ErrorReply {
  readonly error: string
  readonly message: string
  readonly details: { readonly cap?: number; readonly held?: number; readonly issues?: ReadonlyArray<{ path: string }> }
}

const call = async <T = ErrorReply>(
  method: string,
  path: string,
  as?: string,
  payload?: unknown,
  headers: Record<string, string> = {}
) => {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(as === undefined ? {} : { "x-user-id": as }),
      ...(payload === undefined ? {} : { "content-type": "application/json" }),
      ...headers
    },
    ...(payload === undefined ? {} : { body: typeof payload === "string" ? payload : JSON.stringify(payload) })
  })
  return { status: response.status, body: (await response.json()) as T }
}

const ask = (mentorId: string, sessions = 1) => ({
  mentorId,
  area: "typescript",
  need: "Generics keep beating me.",
  goals: [{ statement: "Write one generic helper", successCriterion: "It passes review" }],
  scope: { sessions }
})

describe("embed-express", () => {
  it("plays a request from the ask to a refused extra session", async () => {
    expect((await call("POST", "/mentors/me", "ana", { areas: ["typescript"] })).status).toBe(201)

    const asked = await call<{ engagementId: string }>("POST", "/requests", "ben", ask("ana"))
    expect(asked.status).toBe(201)
    const id = asked.body.engagementId

    // The mentor's inbox is an async read model: it shows the request once caught up.
    await stint.catchUp()
    const inbox = await call<{ requests: ReadonlyArray<{ engagementId: string }> }>("GET", "/inbox", "ana")
    expect(inbox.status).toBe(200)
    expect(inbox.body.requests.map((r) => r.engagementId)).toEqual([id])

    // Only the mentor answers; the refusal arrives with its fields.
    const wrong = await call("POST", `/engagements/${id}/agree`, "ben")
    expect(wrong.status).toBe(403)
    expect(wrong.body.error).toBe("NotAllowed")

    const agreed = await call<{ state: string }>("POST", `/engagements/${id}/agree`, "ana", undefined, {
      "idempotency-key": "agree-1"
    })
    expect(agreed.status).toBe(200)
    expect(agreed.body.state).toBe("active")
    // The same key again is a retry, not a refused second agreement.
    const retried = await call("POST", `/engagements/${id}/agree`, "ana", undefined, { "idempotency-key": "agree-1" })
    expect(retried.status).toBe(200)

    expect((await call("POST", `/engagements/${id}/sessions`, "ben", { minutes: 20 })).status).toBe(201)
    const capped = await call("POST", `/engagements/${id}/sessions`, "ana", { minutes: 20 })
    expect(capped.status).toBe(409)
    expect(capped.body).toMatchObject({ error: "SessionCapReached", details: { cap: 1, held: 1 } })

    const view = await call<{ sessions: { held: number } }>("GET", `/engagements/${id}`, "ben")
    expect(view.body.sessions.held).toBe(1)
    expect((await call("GET", `/engagements/${id}`, "mallory")).status).toBe(404)
  })

  it("a retried ask answers with the engagement it created; keys belong to their user", async () => {
    await call("POST", "/mentors/me", "theo", { areas: ["typescript"] })
    await call("POST", "/mentors/me", "lee", { areas: ["typescript"] })
    const key = { "idempotency-key": "ask-1" }
    const first = await call<{ engagementId: string }>("POST", "/requests", "cy", ask("theo"), key)
    const again = await call<{ engagementId: string }>("POST", "/requests", "cy", ask("theo"), key)
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.body.engagementId).toBe(first.body.engagementId)
    expect((await stint.mentee("cy")).live.size).toBe(1)
    // Another user's same key is another command.
    const other = await call<{ engagementId: string }>("POST", "/requests", "dee", ask("lee"), key)
    expect(other.status).toBe(201)
    expect(other.body.engagementId).not.toBe(first.body.engagementId)
    expect((await stint.mentee("dee")).live.size).toBe(1)
    // The key with another request (another route, another body) is refused, and nothing is written.
    const reused = await call("POST", `/engagements/${first.body.engagementId}/agree`, "cy", undefined, key)
    expect(reused.status).toBe(422)
    expect(reused.body.error).toBe("CommandIdReused")
    expect((await call("POST", "/requests", "cy", ask("lee"), key)).status).toBe(422)
    expect((await stint.mentee("cy")).live.size).toBe(1)
    // A user id with ":" and another key do not meet: ids are hashes of [user, key]; any key length fits.
    await call("POST", "/mentors/me", "ana:x", { areas: ["typescript"] })
    const long = { "idempotency-key": "k".repeat(500) }
    expect((await call("POST", "/mentors/me", "ana:y", { areas: ["typescript"] }, long)).status).toBe(201)
    expect((await call("POST", "/mentors/me", "ana:y", { areas: ["typescript"] }, long)).status).toBe(201)
  })

  it("maps bad input to 400, broken rules to 422 and a missing session to 401", async () => {
    const missing = await call("POST", "/requests", "ben", { mentorId: "ana" })
    expect(missing.status).toBe(400)
    expect(missing.body.error).toBe("InvalidCommand")
    expect(missing.body.details.issues?.map((i) => i.path)).toContain("need")

    expect((await call("POST", "/requests", "ben", "{not json")).status).toBe(400)
    expect((await call("POST", "/requests", "ben", ask("ana", 99))).body.error).toBe("OutOfBounds")
    expect((await call("POST", "/requests", "ben", ask("ana", 99))).status).toBe(422)
    expect((await call("POST", "/requests", "ana", ask("ana"))).status).toBe(422)
    expect((await call("POST", "/requests", undefined, ask("ana"))).status).toBe(401)
    expect((await call("POST", "/engagements/not-an-id/agree", "ana")).status).toBe(400)
  })
})
