/**
 * An Express app with its own routes, in the style apps already have, that embeds Stint through
 * `@stint/node`. The signed-in user comes from the app's session; this example stubs it with an
 * `X-User-Id` header. Commands are built from the body and the route, never trusting an actor from
 * the body, and an `Idempotency-Key` header makes a retry safe.
 */
import { randomUUID } from "node:crypto"
import express, { type Request } from "express"
import { v5 as uuidV5 } from "uuid"
import { type CommandOptions, type CommandResult, commandIdOf, type StintClient, user } from "@stint/node"
import { handleErrors } from "./errors.js"

/** The session stub: who is signed in, or undefined. */
const signedIn = (req: Request): string | undefined => req.get("x-user-id")?.trim() || undefined

/**
 * Who acts, and the `Idempotency-Key` as the command id (`commandIdOf`: keys belong to their user).
 * Stint records the request with the id: a retry gets the first result, the key with another
 * request is refused with `CommandIdReused` (422).
 */
const as = (req: Request): CommandOptions => {
  const actor = user(signedIn(req) ?? "")
  const key = req.get("idempotency-key")
  return key === undefined ? { actor } : { actor, commandId: commandIdOf(actor, key) }
}

/** This app's namespace for the ids it derives from command ids (UUID version 5). */
const namespace = "5a0f3c52-0d0e-4c1e-9d4b-7a3f2d1b6e10"

/**
 * A new id for what a command creates. A retry must send the same command, so with an
 * `Idempotency-Key` the id comes from the command id; without one, any new id.
 */
const freshId = (options: CommandOptions, purpose: string): string =>
  options.commandId === undefined ? randomUUID() : uuidV5(`${purpose}:${options.commandId}`, namespace)

/** Runs a command for the request. */
const run = (stint: StintClient, options: CommandOptions, command: Record<string, unknown>): Promise<CommandResult> =>
  stint.executeUnknown(command, options)

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
    await run(stint, as(req), { ...body(req), _tag: "RegisterMentor", mentorId: signedIn(req) })
    res.status(201).json({ mentorId: signedIn(req) })
  })

  // A mentee asks for help: `{ mentorId, area, need, goals: [{ statement, successCriterion }], scope? }`.
  app.post("/requests", async (req, res) => {
    const options = as(req)
    const engagementId = freshId(options, "engagement")
    const result = await run(stint, options, { ...body(req), _tag: "RequestEngagement", engagementId })
    // A retry (same Idempotency-Key) is the same command: it answers with the same engagement.
    res.status(result.duplicate ? 200 : 201).json({ engagementId })
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
    await run(stint, as(req), { _tag: "AgreeEngagement", engagementId: req.params.id })
    res.json(await stint.engagementView(req.params.id, as(req).actor))
  })

  // Either participant records a session: `{ minutes, heldAt? }` (default: now; with an Idempotency-Key,
  // send `heldAt`, since a retry must be the same command).
  app.post("/engagements/:id/sessions", async (req, res) => {
    const options = as(req)
    const sessionId = freshId(options, "session")
    // `heldAt` defaults to now only without a key: a retry must send the same command.
    const heldAt = options.commandId === undefined ? new Date().toISOString() : undefined
    const session = { ...(heldAt === undefined ? {} : { heldAt }), ...body(req), _tag: "RecordSession", sessionId }
    const result = await run(stint, options, { ...session, engagementId: req.params.id })
    res.status(result.duplicate ? 200 : 201).json({ sessionId })
  })

  app.use(handleErrors)
  return app
}
