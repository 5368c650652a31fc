/**
 * An Express app with its own routes, in the style apps already have, that embeds Stint through
 * `@stint/node`. The signed-in user comes from the app's session; this example stubs it with an
 * `X-User-Id` header. Commands are built from the body and the route, never trusting an actor from
 * the body, and an `Idempotency-Key` header makes a retry safe.
 */
import { createHash, randomUUID } from "node:crypto"
import express, { type Request } from "express"
import { type CommandOptions, type CommandResult, type StintClient, user } from "@stint/node"
import { handleErrors, IdempotencyKeyReused } from "./errors.js"

/** The session stub: who is signed in, or undefined. */
const signedIn = (req: Request): string | undefined => req.get("x-user-id")?.trim() || undefined

const sha256 = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("base64url")

/**
 * Who acts, and the `Idempotency-Key` as the command id. The id is a hash of the user and the key, so
 * keys belong to their user and any key fits; the request's own hash (route, parameters, body)
 * travels as the causation id, so a key sent again with another request is caught (see `run`).
 */
const as = (req: Request): CommandOptions => {
  const me = signedIn(req) ?? ""
  const key = req.get("idempotency-key")
  if (key === undefined) return { actor: user(me) }
  return {
    actor: user(me),
    commandId: `express:${sha256([me, key])}`,
    causationId: `express:${sha256([req.method, req.route?.path, req.params, req.body ?? null])}`
  }
}

/** Runs a command for the request; a retried key answers with the first result, a reused one with 422. */
const run = async (stint: StintClient, req: Request, command: Record<string, unknown>): Promise<CommandResult> => {
  const options = as(req)
  const result = await stint.executeUnknown(command, options)
  const first = result.events[0]?.record.metadata.causationId
  if (result.duplicate && first !== undefined && first !== options.causationId) throw new IdempotencyKeyReused()
  return result
}

/** The id a command's first event names: on a retry, the one the first attempt created. */
const idOf = (result: CommandResult, field: "engagementId" | "sessionId", fresh: string): string => {
  for (const { event } of result.events) {
    const value = (event as unknown as Record<string, unknown>)[field]
    if (typeof value === "string") return value
  }
  return fresh
}

/** The JSON body as an object (anything else: an empty one, and the command's schema reports what is missing). */
const body = (req: Request): Record<string, unknown> =>
  typeof req.body === "object" && req.body !== null && !Array.isArray(req.body) ? req.body : {}

export const createApp = (stint: StintClient): express.Express => {
  const app = express()
  app.use(express.json({ limit: "64kb" }))

  app.get("/health", (_req, res) => {
    res.json({ ok: !stint.closed })
  })

  app.use((req, res, next) => {
    if (signedIn(req) === undefined) res.status(401).json({ error: "Unauthorized", message: "sign in first" })
    else next()
  })

  // The signed-in user offers mentoring: `{ areas, capacity? }`.
  app.post("/mentors/me", async (req, res) => {
    await run(stint, req, { ...body(req), _tag: "RegisterMentor", mentorId: signedIn(req) })
    res.status(201).json({ mentorId: signedIn(req) })
  })

  // A mentee asks for help: `{ mentorId, area, need, goals: [{ statement, successCriterion }], scope? }`.
  app.post("/requests", async (req, res) => {
    const fresh = randomUUID()
    const result = await run(stint, req, { ...body(req), _tag: "RequestEngagement", engagementId: fresh })
    // A retry (same Idempotency-Key) answers with the engagement the first attempt created.
    res.status(result.duplicate ? 200 : 201).json({ engagementId: idOf(result, "engagementId", fresh) })
  })

  // A mentor's inbox: requests waiting for their answer, soonest to expire first.
  app.get("/inbox", async (req, res) => {
    const me = signedIn(req) ?? ""
    const inbox = await stint.mentorInbox(me, user(me))
    res.json({ requests: inbox?.requests ?? [], offers: inbox?.offers ?? [] })
  })

  app.get("/engagements/:id", async (req, res) => {
    const engagement = await stint.engagementView(req.params.id, as(req).actor)
    if (engagement === undefined) res.status(404).json({ error: "NotFound", message: "no such engagement you may see" })
    else res.json(engagement)
  })

  app.post("/engagements/:id/agree", async (req, res) => {
    await run(stint, req, { _tag: "AgreeEngagement", engagementId: req.params.id })
    res.json(await stint.engagementView(req.params.id, as(req).actor))
  })

  // Either participant records a session: `{ minutes, heldAt? }` (default: now).
  app.post("/engagements/:id/sessions", async (req, res) => {
    const fresh = randomUUID()
    const session = { heldAt: new Date().toISOString(), ...body(req), _tag: "RecordSession", sessionId: fresh }
    const result = await run(stint, req, { ...session, engagementId: req.params.id })
    res.status(result.duplicate ? 200 : 201).json({ sessionId: idOf(result, "sessionId", fresh) })
  })

  app.use(handleErrors)
  return app
}
