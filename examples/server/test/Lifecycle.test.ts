/**
 * End to end over real HTTP against a started server process, on SQLite and on PostgreSQL: one
 * engagement through its whole lifecycle, the read models as each party sees them, every error class,
 * token and role checks, idempotent retries, the SSE feed resuming from an id, and the deadlines.
 */
import { afterAll, assert, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Token from "../src/Token.js"
import {
  type Accepted,
  type Backend,
  caughtUp,
  type Database,
  type DeadlineJson,
  type EngagementJson,
  type ErrorBody,
  eventually,
  freshDatabase,
  goal,
  type InboxJson,
  type JournalJson,
  type MentorLoadJson,
  minutesAgo,
  type NetworkJson,
  type Page,
  type ProgrammeJson,
  pgUrl,
  type Reply,
  type Server,
  start,
  uuid
} from "./support/Server.js"

const types = (accepted: Accepted) => accepted.events.map((e) => e.type)

/** An error reply: the status, and a JSON body with a tag and a readable message. */
const expectError = (reply: Reply<unknown>, status: number, refusal?: string) => {
  expect(reply.status, reply.text).toBe(status)
  assert.isTrue(reply.isJson, `the ${status} body is JSON: ${reply.text}`)
  const body = reply.body as ErrorBody
  expect(typeof body._tag, reply.text).toBe("string")
  expect(typeof body.message, reply.text).toBe("string")
  if (refusal !== undefined) expect(body.refusal, reply.text).toBe(refusal)
  return body
}

const lifecycleSuite = (backend: Backend) => {
  let database: Database
  let server: Server

  // Ids of this run: the main engagement (ben asks ana), and a few that end otherwise.
  const e1 = uuid()
  const declined = uuid()
  const withdrawn = uuid()
  const open = uuid()
  const endedEarly = uuid()
  const s1 = uuid()
  const s2 = uuid()
  const s3 = uuid()
  const s4 = uuid()
  const sharedText = `shared note ${uuid()}`
  const benPrivate = `ben's private note ${uuid()}`
  const anaPrivate = `ana's private note ${uuid()}`
  const feedbackComment = `ana's feedback comment ${uuid()}`
  const checkpoints: Record<string, string> = {}

  beforeAll(async () => {
    database = await freshDatabase(backend)
    server = await start(database, { seed: true, deadlineInterval: "200 millis" })
  })

  afterAll(async () => {
    if (server !== undefined && server.process.exitCode === null && server.process.signalCode === null) {
      await server.kill()
    }
    await database?.dispose()
  })

  const ben = () => server.as("ben")
  const ana = () => server.as("ana")
  const cy = () => server.as("cy")
  const dee = () => server.as("dee")
  const theo = () => server.as("theo")
  const lee = () => server.as("lee")
  const admin = () => server.as("programme-office", "admin")

  const view = (id: string, client = admin()) => client.get<EngagementJson>(`/engagements/${id}`)
  /** The engagement once its view has applied the stream through `version`. */
  const viewThrough = (id: string, version: number, client = admin()) =>
    eventually(
      () => view(id, client),
      (r) => r.status === 200 && r.body.through >= version
    ).then((r) => r.body)
  const lastVersion = (accepted: Accepted, id: string) =>
    Math.max(...accepted.events.filter((e) => e.streamId.includes(id)).map((e) => e.version))

  it("answers health and readiness, and names its storage", async () => {
    const health = await server.anonymous.get<{ status: string }>("/health")
    expect(health.status).toBe(200)
    expect(health.body).toEqual({ status: "ok" })
    const ready = await caughtUp(server)
    expect(ready.body.status).toBe("ready")
    expect((ready.body as { storage?: string }).storage).toBe(backend)
  })

  it("serves the OpenAPI document and the Swagger UI", async () => {
    const spec = await server.anonymous.get<{ openapi: string; paths: Record<string, unknown> }>("/openapi.json")
    expect(spec.status).toBe(200)
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        "/commands/request-engagement",
        "/commands/agree-engagement",
        "/engagements/{engagementId}"
      ])
    )
    const docs = await server.anonymous.raw("GET", "/docs")
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type") ?? "").toContain("text/html")
  })

  it("has the seed: mentors with their areas, mentees with interests", async () => {
    const typescript = await eventually(
      () => ben().get<Page<MentorLoadJson>>("/mentors?area=typescript"),
      (r) => r.status === 200 && r.body.items.length > 0
    )
    expect(typescript.body.items.map((m) => m.mentorId)).toEqual(["ana"])
    for (const [area, mentor] of [
      ["design", "ana"],
      ["sales", "theo"],
      ["leadership", "lee"]
    ] as const) {
      const page = await eventually(
        () => ben().get<Page<MentorLoadJson>>(`/mentors?area=${area}`),
        (r) => r.status === 200 && r.body.items.length > 0
      )
      expect(page.body.items.map((m) => m.mentorId)).toContain(mentor)
    }
    const network = await eventually(
      () => ben().get<NetworkJson>("/mentees/ben/network"),
      (r) => r.status === 200
    )
    expect(network.body.menteeId).toBe("ben")
  })

  describe("one engagement, end to end", () => {
    it("ben asks ana; a body that claims other parties changes nothing (actors come from the token)", async () => {
      const accepted = await ben().ok("requestEngagement", {
        engagementId: e1,
        mentorId: "ana",
        area: "typescript",
        need: "I want to write safer TypeScript at work",
        goals: [goal("Use strict mode in one service"), goal("Type the API client")],
        scope: { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 },
        // Forged: none of these is a field of the command, and the actor is the token's.
        actor: { _tag: "User", userId: "cy" },
        menteeId: "cy",
        initiator: "mentor",
        userId: "cy"
      })
      expect(accepted.replayed).toBe(false)
      expect(types(accepted)).toContain("EngagementRequested")
      checkpoints.requested = accepted.events[0]!.checkpoint
      const document = await viewThrough(e1, 1, ben())
      expect(document.menteeId).toBe("ben")
      expect(document.mentorId).toBe("ana")
      expect(document.initiator).toBe("mentee")
      expect(document.state).toBe("requested")
      expect(document.ask).toEqual({ sessions: 3, timeBoxDays: 30, sessionMinutes: 20 })
      // cy was claimed in the body; cy is no party and sees nothing.
      expectError(await view(e1, cy()), 404)
    })

    it("the request shows in ana's inbox, and admins see its expiry deadline", async () => {
      const inbox = await eventually(
        () => ana().get<InboxJson>("/mentors/ana/inbox"),
        (r) => r.status === 200 && JSON.stringify(r.body).includes(e1)
      )
      expect(inbox.body.mentorId).toBe("ana")
      // Another mentor's inbox is not ben's to read.
      expectError(await ben().get("/mentors/ana/inbox"), 404)
      const document = (await view(e1)).body
      const deadlines = await eventually(
        () => admin().get<Page<DeadlineJson>>("/deadlines?limit=200"),
        (r) => r.status === 200 && r.body.items.some((d) => d.engagementId === e1)
      )
      const deadline = deadlines.body.items.find((d) => d.engagementId === e1)!
      expect(deadline.kind).toBe("request_expires")
      // The policy's request expiry: 7 days after the request.
      expect(Date.parse(deadline.dueAt) - Date.parse(document.requestedAt)).toBe(7 * 24 * 3600 * 1000)
      // Users do not list the programme's deadlines.
      expectError(await ben().get("/deadlines"), 403)
    })

    it("a mentee cannot agree on the mentor's behalf, nor can a third user (403)", async () => {
      expectError(await ben().command("agreeEngagement", { engagementId: e1 }), 403, "NotAllowed")
      expectError(await cy().command("agreeEngagement", { engagementId: e1 }), 403, "NotAllowed")
      // A body naming the mentor as actor changes nothing.
      expectError(
        await ben().command("agreeEngagement", {
          engagementId: e1,
          actor: { _tag: "User", userId: "ana" },
          mentorId: "ana"
        }),
        403,
        "NotAllowed"
      )
      // An admin does not act for a party either.
      expectError(await admin().command("agreeEngagement", { engagementId: e1 }), 403, "NotAllowed")
      expect((await view(e1)).body.state).toBe("requested")
    })

    it("ana counters once; then only ben may agree", async () => {
      const countered = await ana().ok("counterScope", {
        engagementId: e1,
        scope: { sessions: 2, timeBoxDays: 21, sessionMinutes: 30 }
      })
      expect(types(countered)).toEqual(["ScopeCountered"])
      expectError(await ana().command("counterScope", { engagementId: e1, scope: { sessions: 1 } }), 409)
      expectError(await ana().command("agreeEngagement", { engagementId: e1 }), 403, "NotAllowed")
      const agreed = await ben().ok("agreeEngagement", { engagementId: e1 })
      expect(types(agreed)).toEqual(expect.arrayContaining(["EngagementAgreed", "SeatReserved"]))
      checkpoints.agreed = agreed.events[0]!.checkpoint
      const document = await viewThrough(e1, lastVersion(agreed, e1), ben())
      expect(document.state).toBe("active")
      expect(document.agreement).toEqual({ sessions: 2, timeBoxDays: 21, sessionMinutes: 30 })
      expect(document.sessions.cap).toBe(2)
      // INV-08: the time box counts from the agreement.
      expect(Date.parse(document.endsAt!) - Date.parse(document.agreedAt!)).toBe(21 * 24 * 3600 * 1000)
    })

    it("sessions: held, refused in the future (409) or out of bounds (422), capped (409)", async () => {
      const first = await ben().ok("recordSession", {
        engagementId: e1,
        sessionId: s1,
        heldAt: minutesAgo(0),
        minutes: 30
      })
      expect(types(first)).toEqual(["SessionHeld"])
      expectError(
        await ben().command("recordSession", {
          engagementId: e1,
          sessionId: uuid(),
          heldAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
          minutes: 30
        }),
        409,
        "SessionOutsideWindow"
      )
      expectError(
        await ben().command("recordSession", {
          engagementId: e1,
          sessionId: uuid(),
          heldAt: minutesAgo(0),
          minutes: 500
        }),
        422,
        "OutOfBounds"
      )
      const second = await ana().ok("recordSession", {
        engagementId: e1,
        sessionId: s2,
        heldAt: minutesAgo(0),
        minutes: 25
      })
      expect(types(second)).toEqual(expect.arrayContaining(["SessionHeld", "WrapUpStarted"]))
      expectError(
        await ben().command("recordSession", { engagementId: e1, sessionId: s3, heldAt: minutesAgo(0), minutes: 20 }),
        409,
        "SessionCapReached"
      )
      const document = await viewThrough(e1, lastVersion(second, e1))
      expect(document.state).toBe("wrapping_up")
      expect(document.sessions.held).toBe(2)
      expect(document.sessions.minutes).toBe(55)
    })

    it("only the mentor offers an extension; the mentee accepts it as offered", async () => {
      expectError(
        await ben().command("offerExtension", { engagementId: e1, additionalSessions: 1, additionalDays: 7 }),
        403,
        "NotAllowed"
      )
      const offered = await ana().ok("offerExtension", { engagementId: e1, additionalSessions: 1, additionalDays: 7 })
      expect(types(offered)).toEqual(["ExtensionOffered"])
      expectError(await ana().command("acceptExtension", { engagementId: e1 }), 403, "NotAllowed")
      const accepted = await ben().ok("acceptExtension", { engagementId: e1 })
      expect(types(accepted)).toEqual(expect.arrayContaining(["ExtensionAccepted", "SeatAdjusted"]))
      const document = await viewThrough(e1, lastVersion(accepted, e1))
      expect(document.state).toBe("active")
      expect(document.sessions.cap).toBe(3)
      expect(document.extensionsAccepted).toBe(1)
    })

    it("a session is retracted by whoever recorded it, by nobody else", async () => {
      await ben().ok("recordSession", { engagementId: e1, sessionId: s3, heldAt: minutesAgo(0), minutes: 20 })
      expectError(await ana().command("retractSession", { engagementId: e1, sessionId: s3 }), 403, "NotAllowed")
      const retracted = await ben().ok("retractSession", { engagementId: e1, sessionId: s3 })
      expect(types(retracted)).toContain("SessionRetracted")
      expectError(
        await ben().command("retractSession", { engagementId: e1, sessionId: uuid() }),
        404,
        "SessionNotFound"
      )
      const document = await viewThrough(e1, lastVersion(retracted, e1))
      expect(document.sessions.held).toBe(2)
    })

    it("notes: shared ones for both participants, private ones for their author only", async () => {
      await ana().ok("addNote", {
        engagementId: e1,
        noteId: uuid(),
        visibility: "shared",
        sessionId: s1,
        text: sharedText
      })
      await ben().ok("addNote", { engagementId: e1, noteId: uuid(), visibility: "private", text: benPrivate })
      const last = await ana().ok("addNote", {
        engagementId: e1,
        noteId: uuid(),
        visibility: "private",
        text: anaPrivate
      })
      expectError(
        await cy().command("addNote", { engagementId: e1, noteId: uuid(), visibility: "shared", text: "let me in" }),
        403,
        "NotAllowed"
      )
      const journal = (client: ReturnType<typeof ben>) =>
        eventually(
          () => client.get<JournalJson>(`/engagements/${e1}/journal`),
          (r) => r.status !== 200 || JSON.stringify(r.body).includes(sharedText)
        )
      const asBen = await journal(ben())
      expect(asBen.status).toBe(200)
      expect(asBen.body.viewer).toBe("mentee")
      const benTexts = asBen.body.notes.map((n) => n.text)
      expect(benTexts).toContain(sharedText)
      expect(benTexts).toContain(benPrivate)
      expect(asBen.text).not.toContain(anaPrivate)
      const asAna = await eventually(
        () => ana().get<JournalJson>(`/engagements/${e1}/journal`),
        (r) => r.status === 200 && JSON.stringify(r.body).includes(anaPrivate)
      )
      expect(asAna.body.notes.map((n) => n.text)).toEqual(expect.arrayContaining([sharedText, anaPrivate]))
      expect(asAna.text).not.toContain(benPrivate)
      expect(asAna.body.sessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining([s1, s2, s3]))
      // A third user gets 404 on the journal; staff see the sessions and no note at all.
      expectError(await cy().get(`/engagements/${e1}/journal`), 404)
      const asAdmin = await admin().get<JournalJson>(`/engagements/${e1}/journal`)
      expect(asAdmin.status).toBe(200)
      expect(asAdmin.body.notes).toEqual([])
      for (const text of [sharedText, benPrivate, anaPrivate]) expect(asAdmin.text).not.toContain(text)
      // No note text ever reaches the engagement view (which skips notes: its `through` stays put).
      expect(last.events.map((e) => e.type)).toEqual(["NoteAdded"])
      const document = (await view(e1)).body
      for (const text of [sharedText, benPrivate, anaPrivate]) expect(JSON.stringify(document)).not.toContain(text)
    })

    it("goal outcomes: met when both record met; an unknown goal is 404", async () => {
      await ben().ok("recordGoalOutcome", { engagementId: e1, goalIndex: 0, outcome: "met" })
      const both = await ana().ok("recordGoalOutcome", { engagementId: e1, goalIndex: 0, outcome: "met" })
      expect(types(both)).toEqual(expect.arrayContaining(["GoalOutcomeRecorded", "GoalMet"]))
      const partly = await ben().ok("recordGoalOutcome", { engagementId: e1, goalIndex: 1, outcome: "partly_met" })
      expect(types(partly)).toEqual(["GoalOutcomeRecorded"])
      expectError(await ben().command("recordGoalOutcome", { engagementId: e1, goalIndex: 7, outcome: "met" }), 404)
      expectError(await cy().command("recordGoalOutcome", { engagementId: e1, goalIndex: 0, outcome: "met" }), 403)
      const document = await viewThrough(e1, lastVersion(partly, e1))
      expect(document.goals[0]!.met).toBe(true)
      expect(document.goals[0]!.outcomes).toEqual({ mentee: "met", mentor: "met" })
      expect(document.goals[1]!.met).toBe(false)
      expect(document.goals[1]!.outcomes).toEqual({ mentee: "partly_met", mentor: null })
    })

    it("closing as completed releases the seat; each party gives feedback once", async () => {
      const closed = await ben().ok("closeEngagement", { engagementId: e1, outcome: "completed" })
      expect(types(closed)).toEqual(expect.arrayContaining(["EngagementClosed", "SeatReleased"]))
      checkpoints.closed = closed.events[0]!.checkpoint
      expectError(await ana().command("closeEngagement", { engagementId: e1, outcome: "completed" }), 409)
      expectError(await ben().command("giveFeedback", { engagementId: e1, rating: 9 }), 422, "OutOfBounds")
      await ben().ok("giveFeedback", { engagementId: e1, rating: 5 })
      expectError(await ben().command("giveFeedback", { engagementId: e1, rating: 4 }), 409)
      const feedback = await ana().ok("giveFeedback", { engagementId: e1, rating: 4, comment: feedbackComment })
      expect(types(feedback)).toEqual(["FeedbackGiven"])
      // A private note after closing is still the author's own working space.
      const note = await ben().ok("addNote", {
        engagementId: e1,
        noteId: uuid(),
        visibility: "private",
        text: `${benPrivate} (after closing)`
      })
      expect(types(note)).toEqual(["NoteAdded"])
      const document = await viewThrough(e1, lastVersion(feedback, e1))
      expect(document.state).toBe("completed")
      expect(document.closing?.outcome).toBe("completed")
      expect(document.ratings).toEqual({ mentee: 5, mentor: 4 })
      expect(document.nextDeadline?.kind).toBe("feedback_closes")
      expect(JSON.stringify(document)).not.toContain(feedbackComment)
    })

    it("other endings: declined, withdrawn, ended early by an admin; one left open", async () => {
      await cy().ok("requestEngagement", {
        engagementId: declined,
        mentorId: "ana",
        area: "design",
        need: "Review my portfolio",
        goals: [goal("A portfolio review")]
      })
      expectError(await cy().command("declineEngagement", { engagementId: declined }), 403, "NotAllowed")
      const d = await ana().ok("declineEngagement", { engagementId: declined, reason: "Fully booked this month" })
      expect(types(d)).toContain("EngagementDeclined")

      await dee().ok("requestEngagement", {
        engagementId: withdrawn,
        mentorId: "lee",
        area: "leadership",
        need: "Lead my first team",
        goals: [goal("A plan for the first 90 days")]
      })
      expectError(await lee().command("withdrawRequest", { engagementId: withdrawn }), 403, "NotAllowed")
      const w = await dee().ok("withdrawRequest", { engagementId: withdrawn })
      expect(types(w)).toContain("RequestWithdrawn")

      await ben().ok("requestEngagement", {
        engagementId: open,
        mentorId: "theo",
        area: "sales",
        need: "Run a discovery call",
        goals: [goal("Script a discovery call")]
      })

      await dee().ok("requestEngagement", {
        engagementId: endedEarly,
        mentorId: "ana",
        area: "typescript",
        need: "Migrate a codebase to TypeScript",
        goals: [goal("Migrate one package")]
      })
      await ana().ok("agreeEngagement", { engagementId: endedEarly })
      await dee().ok("recordSession", { engagementId: endedEarly, sessionId: s4, heldAt: minutesAgo(0), minutes: 20 })
      expectError(await admin().command("closeEngagement", { engagementId: endedEarly, outcome: "ended_early" }), 422)
      const early = await admin().ok("closeEngagement", {
        engagementId: endedEarly,
        outcome: "ended_early",
        reason: "The programme round ended"
      })
      expect(types(early)).toContain("EngagementClosed")

      for (const [id, state] of [
        [declined, "declined"],
        [withdrawn, "withdrawn"],
        [open, "requested"],
        [endedEarly, "ended_early"]
      ] as const) {
        const document = await eventually(
          () => view(id),
          (r) => r.status === 200 && r.body.state === state
        )
        expect(document.body.state).toBe(state)
      }
      const early2 = (await view(endedEarly)).body
      expect(early2.closing?.closedBy).toEqual({ _tag: "Admin", userId: "programme-office" })
      expect(JSON.stringify(early2)).not.toContain("The programme round ended")
    })

    it("the programme's numbers for admins only, and they reconcile", async () => {
      const programme = await eventually(
        () => admin().get<ProgrammeJson>("/programme"),
        (r) => r.status === 200 && r.body.closed.endedEarly === 1 && r.body.requests.requested === 5
      )
      const { requests } = programme.body
      expect(requests).toMatchObject({
        requested: 5,
        menteeRequests: 5,
        agreed: 2,
        declined: 1,
        withdrawn: 1,
        expired: 0,
        open: 1
      })
      expect(requests.requested).toBe(
        requests.agreed + requests.declined + requests.withdrawn + requests.expired + requests.open
      )
      expect(programme.body.closed).toEqual({ completed: 1, endedEarly: 1 })
      expect(programme.body.goals.met).toBe(1)
      expect(programme.body.extensions).toMatchObject({ offered: 1, accepted: 1 })
      expect(programme.body.mentors.registered).toBe(3)
      for (const text of [sharedText, benPrivate, anaPrivate, feedbackComment, "ben", "ana"]) {
        expect(programme.text).not.toContain(text)
      }
      expectError(await ben().get("/programme"), 404)
      expectError(await ana().get("/programme"), 404)
    })

    it("each party's own views: networks, loads, engagements", async () => {
      const network = await eventually(
        () => ben().get<NetworkJson>("/mentees/ben/network"),
        (r) => r.status === 200 && JSON.stringify(r.body).includes("ana")
      )
      expect(network.body.menteeId).toBe("ben")
      expectError(await cy().get("/mentees/ben/network"), 404)

      const own = await ana().get<MentorLoadJson>("/mentors/ana/load")
      expect(own.status).toBe(200)
      expect(own.body).toHaveProperty("_tag", "MentorLoad")
      const seenByBen = await ben().get<MentorLoadJson>("/mentors/ana/load")
      expect(seenByBen.status).toBe(200)
      expect(seenByBen.body).not.toHaveProperty("_tag", "MentorLoad")
      expectError(await ben().get("/mentors/nobody-at-all/load"), 404)

      const mine = await eventually(
        () => ben().get<Page<EngagementJson>>("/me/engagements"),
        (r) => r.status === 200 && r.body.items.some((e) => e.engagementId === e1)
      )
      expect(mine.body.items.every((e) => e.menteeId === "ben")).toBe(true)
      const asMentor = await eventually(
        () => ana().get<Page<EngagementJson>>("/me/engagements?as=mentor"),
        (r) => r.status === 200 && r.body.items.some((e) => e.engagementId === e1)
      )
      expect(asMentor.body.items.every((e) => e.mentorId === "ana")).toBe(true)
      const cys = await cy().get<Page<EngagementJson>>("/me/engagements")
      expect(cys.body.items.some((e) => e.engagementId === e1)).toBe(false)
    })
  })

  describe("errors", () => {
    it("400: malformed JSON and schema failures, naming the failing path", async () => {
      const malformed = await ben().raw("POST", "/commands/agree-engagement", { body: "{ not json" })
      expectError(malformed, 400)
      const badId = await ben().command("agreeEngagement", { engagementId: "not-a-uuid" })
      expect(expectError(badId, 400).message).toContain("engagementId")
      const noGoals = await ben().command("requestEngagement", {
        engagementId: uuid(),
        mentorId: "ana",
        area: "typescript",
        need: "Something",
        goals: []
      })
      expect(expectError(noGoals, 400).message).toContain("goals")
      const wrongType = await ben().raw("POST", "/commands/record-session", {
        body: JSON.stringify({ engagementId: e1, sessionId: uuid(), heldAt: minutesAgo(0), minutes: "twenty" })
      })
      expect(expectError(wrongType, 400).message).toContain("minutes")
      expectError(await ben().get("/engagements/not-a-uuid"), 400)
      expectError(await ben().get("/mentors"), 400)
      expectError(await ben().get("/mentors?area=typescript&limit=100000"), 400)
    })

    it("401: a missing, malformed, forged or expired token", async () => {
      const body = { engagementId: e1 }
      expectError(await server.anonymous.command("agreeEngagement", body), 401)
      expectError(await server.anonymous.get(`/engagements/${e1}`), 401)
      const garbage = await ben().raw("POST", "/commands/agree-engagement", {
        body: JSON.stringify(body),
        headers: { authorization: "Bearer not.a.token" }
      })
      expectError(garbage, 401)
      const forged = Token.mint(
        "another-secret-of-at-least-32-characters!!",
        { sub: "ana", role: "admin" },
        Math.floor(Date.now() / 1000)
      )
      expectError(await ben().raw("GET", `/engagements/${e1}`, { headers: { authorization: `Bearer ${forged}` } }), 401)
      const expired = Token.mint(server.secret, { sub: "ana", role: "user" }, Math.floor(Date.now() / 1000) - 7200, 60)
      expectError(
        await ben().raw("GET", `/engagements/${e1}`, { headers: { authorization: `Bearer ${expired}` } }),
        401
      )
      expectError(
        await ben().raw("GET", `/engagements/${e1}`, {
          headers: { authorization: `Basic ${Buffer.from("ana:x").toString("base64")}` }
        }),
        401
      )
      // A token whose role is not one of ours is refused, though it is signed correctly.
      const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url")
      const valid = server.token("ana", "admin").split(".")
      expect(valid[0]).toBe(header)
      const { createHmac } = await import("node:crypto")
      const payload = Buffer.from(
        JSON.stringify({ sub: "ana", role: "superuser", iat: 1, exp: 4_000_000_000 })
      ).toString("base64url")
      const signature = createHmac("sha256", server.secret).update(`${header}.${payload}`).digest("base64url")
      expectError(
        await ben().raw("GET", "/programme", {
          headers: { authorization: `Bearer ${header}.${payload}.${signature}` }
        }),
        401
      )
      // The feed too.
      const feed = await server.anonymous.feed({ timeoutMs: 5000 })
      expect(feed.status).toBe(401)
    })

    it("404: unknown ids, and what the caller may not see", async () => {
      expectError(await ben().command("agreeEngagement", { engagementId: uuid() }), 404)
      expectError(await ben().get(`/engagements/${uuid()}`), 404)
      expectError(await ben().get(`/engagements/${uuid()}/journal`), 404)
      expectError(
        await ben().command("requestEngagement", {
          engagementId: uuid(),
          mentorId: "not-a-mentor",
          area: "typescript",
          need: "Anything",
          goals: [goal("Anything")]
        }),
        404,
        "MentorNotFound"
      )
      const unknownRoute = await ben().raw("GET", "/no/such/route")
      expect(unknownRoute.status).toBe(404)
      assert.isTrue(unknownRoute.isJson, `an unknown route answers JSON: ${JSON.stringify(unknownRoute.text)}`)
      const unknownCommand = await ben().raw("POST", "/commands/become-admin", { body: "{}" })
      expect(unknownCommand.status).toBe(404)
      assert.isTrue(unknownCommand.isJson, `an unknown command answers JSON: ${JSON.stringify(unknownCommand.text)}`)
    })

    it("409: state conflicts", async () => {
      expectError(
        await ben().command("requestEngagement", {
          engagementId: e1,
          mentorId: "ana",
          area: "typescript",
          need: "Again",
          goals: [goal("Again")]
        }),
        409,
        "EngagementAlreadyExists"
      )
      expectError(await ana().command("agreeEngagement", { engagementId: declined }), 409, "InvalidTransition")
      expectError(await theo().command("registerMentor", { mentorId: "theo", areas: ["sales"] }), 409)
    })

    it("422: well-formed but never acceptable", async () => {
      expectError(
        await ana().command("requestEngagement", {
          engagementId: uuid(),
          mentorId: "ana",
          area: "typescript",
          need: "Mentor myself",
          goals: [goal("Self-help")]
        }),
        422,
        "SelfMentoring"
      )
      expectError(
        await ben().command("requestEngagement", {
          engagementId: uuid(),
          mentorId: "theo",
          area: "typescript",
          need: "Theo does not do TypeScript",
          goals: [goal("TypeScript")]
        }),
        422,
        "AreaNotOffered"
      )
      expectError(
        await cy().command("requestEngagement", {
          engagementId: uuid(),
          mentorId: "lee",
          area: "leadership",
          need: "A lot of sessions",
          goals: [goal("Many")],
          scope: { sessions: 99 }
        }),
        422,
        "OutOfBounds"
      )
    })

    it("413: an oversized body, with a JSON answer", async () => {
      const huge = JSON.stringify({ engagementId: e1, noteId: uuid(), visibility: "shared", text: "x".repeat(70_000) })
      const reply = await ben().raw("POST", "/commands/add-note", { body: huge })
      expectError(reply, 413)
    })
  })

  describe("idempotent retries", () => {
    it("the same key twice: one set of events, the second answer replayed", async () => {
      const id = uuid()
      const body = {
        engagementId: id,
        mentorId: "lee",
        area: "leadership",
        need: "Give hard feedback",
        goals: [goal("One hard conversation")]
      }
      const key = `request-${id}`
      const first = await cy().command("requestEngagement", body, { key })
      expect(first.status).toBe(200)
      expect(first.body.replayed).toBe(false)
      const second = await cy().command("requestEngagement", body, { key })
      expect(second.status).toBe(200)
      expect(second.body.replayed).toBe(true)
      expect(second.body.commandId).toBe(first.body.commandId)
      // The command id is derived from the caller and the key (Idempotency.commandIdOf), not the key itself.
      expect(first.body.commandId).toMatch(/^key:/)
      expect(first.body.commandId).not.toContain(key)
      expect(second.body.events).toEqual(first.body.events)
      // The same key with another body is refused, and appends nothing.
      const other = await cy().command("requestEngagement", { ...body, need: "Something else" }, { key })
      expectError(other, 422, "IdempotencyKeyReused")
      // Nothing was appended twice: the stream holds one request, at version 1.
      const document = await viewThrough(id, 1)
      expect(document.through).toBe(1)
      const feed = await admin().feed({
        lastEventId: checkpoints.closed!,
        until: (events) => events.some((e) => e.id === first.body.events.at(-1)!.checkpoint)
      })
      expect(feed.events.filter((e) => e.data.streamId.includes(id) && e.event === "EngagementRequested")).toHaveLength(
        1
      )
      // Keys belong to their caller: the same key from someone else is a new command.
      const dees = await dee().command("declareInterests", { areas: ["leadership"] }, { key })
      expect(dees.status).toBe(200)
      expect(dees.body.replayed).toBe(false)
      // A key that is not 1 to 128 visible ASCII characters is refused.
      expectError(await dee().command("declareInterests", { areas: ["leadership"] }, { key: "k".repeat(129) }), 400)
    })

    it("a key first used by a command that decided nothing is taken: another command under it is refused", async () => {
      const key = `resume-${uuid()}`
      // lee is not paused: resuming decides nothing, and the key is still recorded with the request.
      const first = await lee().command("resumeMentoring", { mentorId: "lee" }, { key })
      expect(first.status, first.text).toBe(200)
      expect(first.body.replayed).toBe(false)
      expect(first.body.events).toEqual([])
      const other = await lee().command("pauseMentoring", { mentorId: "lee" }, { key })
      expectError(other, 422, "IdempotencyKeyReused")
      // The same request again is a retry: the first answer, replayed.
      const again = await lee().command("resumeMentoring", { mentorId: "lee" }, { key })
      expect(again.status, again.text).toBe(200)
      expect(again.body.replayed).toBe(true)
      expect(again.body.commandId).toBe(first.body.commandId)
      expect(again.body.events).toEqual([])
      // The refused pause appended nothing: lee is not paused, so resuming still decides nothing.
      const check = await lee().command("resumeMentoring", { mentorId: "lee" }, { key: `check-${uuid()}` })
      expect(check.status, check.text).toBe(200)
      expect(check.body.replayed).toBe(false)
      expect(check.body.events).toEqual([])
    })
  })

  describe("the SSE feed", () => {
    const readAll = (client: ReturnType<typeof ben>, lastId: string, lastEventId?: string) =>
      client.feed({
        ...(lastEventId === undefined ? {} : { lastEventId }),
        until: (events) => events.some((e) => e.id === lastId)
      })

    it("streams what the caller may see, and resumes after Last-Event-ID", async () => {
      // A marker at the end of the log that ben may see.
      const marker = await ben().ok("declareInterests", { areas: ["typescript", "sales", "design"] })
      const end = marker.events.at(-1)!.checkpoint
      const all = await readAll(ben(), end)
      expect(all.status).toBe(200)
      expect(all.contentType ?? "").toContain("text/event-stream")
      assert.isFalse(all.timedOut, "the feed reached the marker")
      const ids = all.events.map((e) => e.id)
      expect(new Set(ids).size).toBe(ids.length)
      const mine = all.events.filter((e) => e.data.streamId.includes(e1))
      expect(mine.map((e) => e.event)).toEqual(
        expect.arrayContaining([
          "EngagementRequested",
          "ScopeCountered",
          "EngagementAgreed",
          "NoteAdded",
          "EngagementClosed"
        ])
      )
      for (const event of all.events) expect(event.event).toBe(event.data.event._tag)
      // ben's own private note is in his feed; ana's never is; the shared one is.
      expect(all.events.some((e) => e.raw.includes(benPrivate))).toBe(true)
      expect(all.events.some((e) => e.raw.includes(sharedText))).toBe(true)
      expect(all.events.some((e) => e.raw.includes(anaPrivate))).toBe(false)
      // Nothing of engagements ben is no party to (cy's declined request).
      expect(all.events.some((e) => e.data.streamId.includes(declined))).toBe(false)

      // Resume right after the agreement: exactly the rest, in the same order.
      const at = ids.indexOf(checkpoints.agreed!)
      expect(at).toBeGreaterThanOrEqual(0)
      const resumed = await readAll(ben(), end, checkpoints.agreed!)
      expect(resumed.events.map((e) => e.id)).toEqual(ids.slice(at + 1))
    })

    it("hides notes from third users and staff, and private notes from the other party", async () => {
      const marker = await cy().ok("declareInterests", { areas: ["design", "leadership"] })
      const cys = await readAll(cy(), marker.events.at(-1)!.checkpoint)
      assert.isFalse(cys.timedOut)
      expect(cys.events.some((e) => e.data.streamId.includes(e1))).toBe(false)
      for (const text of [sharedText, benPrivate, anaPrivate])
        expect(cys.events.some((e) => e.raw.includes(text))).toBe(false)

      const anaMarker = await ana().ok("changeCapacity", {
        mentorId: "ana",
        capacity: { engagements: 4, sessions: 10 }
      })
      const anas = await readAll(ana(), anaMarker.events.at(-1)!.checkpoint)
      expect(anas.events.some((e) => e.raw.includes(anaPrivate))).toBe(true)
      expect(anas.events.some((e) => e.raw.includes(benPrivate))).toBe(false)
      expect(anas.events.some((e) => e.raw.includes(sharedText))).toBe(true)

      const staff = await readAll(admin(), anaMarker.events.at(-1)!.checkpoint)
      expect(staff.events.some((e) => e.data.streamId.includes(e1))).toBe(true)
      for (const text of [sharedText, benPrivate, anaPrivate])
        expect(staff.events.some((e) => e.raw.includes(text))).toBe(false)
    })

    it("refuses a Last-Event-ID that is not one of its ids", async () => {
      const bad = await ben().feed({ lastEventId: "'; DROP TABLE stint_events; --", timeoutMs: 5000 })
      expect(bad.status).toBe(400)
    })
  })

  describe("deadlines", () => {
    it("the open request has its expiry deadline; it is not expired before it is due", async () => {
      const deadlines = await eventually(
        () => admin().get<Page<DeadlineJson>>("/deadlines?limit=200"),
        (r) => r.status === 200 && r.body.items.some((d) => d.engagementId === open)
      )
      const deadline = deadlines.body.items.find((d) => d.engagementId === open)!
      expect(deadline.kind).toBe("request_expires")
      expect(Date.parse(deadline.dueAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000)
      // Closed engagements keep only their feedback window; declined and withdrawn ones have nothing due.
      const byId = new Map(deadlines.body.items.map((d) => [d.engagementId, d.kind]))
      expect(byId.get(e1)).toBe("feedback_closes")
      expect(byId.has(declined)).toBe(false)
      expect(byId.has(withdrawn)).toBe(false)
      // The deadline process runs every 200 ms; the request is not due, so it stays requested.
      // Expiry itself needs a clock 7 days ahead, which a real server process does not let a test drive.
      const ready = await caughtUp(server)
      expect(ready.status).toBe(200)
      expect((await view(open)).body.state).toBe("requested")
    })
  })

  it("shuts down gracefully on SIGTERM (exit code 0), with a command in flight", async () => {
    const inFlight = dee()
      .command("declareInterests", { areas: ["leadership"] })
      .catch((error: unknown) => error)
    const exit = await server.stop()
    expect(exit).toEqual({ code: 0, signal: null })
    // The command got an answer or its connection was refused; whatever it got is not a server error.
    const answer = await inFlight
    if (typeof answer === "object" && answer !== null && "status" in answer) {
      expect([200, 503]).toContain((answer as Reply<unknown>).status)
    }
  })
}

describe("Operations: configuration and shutdown", () => {
  const databases: Array<Database> = []
  afterAll(async () => {
    for (const database of databases) await database.dispose()
  })

  /** Starts a server that must refuse to start, and returns what it said. */
  const refusal = async (options: Parameters<typeof start>[1]) => {
    const database = await freshDatabase("sqlite")
    databases.push(database)
    const failed = await start(database, { ...options, startTimeoutMs: 30_000 }).then(
      async (server) => {
        await server.kill()
        return undefined
      },
      (error: unknown) => String(error)
    )
    assert.isDefined(failed, `the server refused to start with ${JSON.stringify(options)}`)
    return failed!
  }

  it("refuses bad values with an error that names the variable", async () => {
    const cases: ReadonlyArray<readonly [string, Parameters<typeof start>[1]]> = [
      ["STINT_SECRET", { secret: "too-short" }],
      ["STINT_SECRET", { unset: ["STINT_SECRET"], env: { STINT_ENV: "production" } }],
      ["STINT_MAX_BODY_BYTES", { env: { STINT_MAX_BODY_BYTES: "lots" } }],
      ["STINT_MAX_BODY_BYTES", { env: { STINT_MAX_BODY_BYTES: "12" } }],
      ["STINT_DEADLINE_INTERVAL", { deadlineInterval: "soon" }],
      ["STINT_SEED", { env: { STINT_SEED: "perhaps" } }],
      ["PORT", { env: { PORT: "70000" } }],
      ["DATABASE_URL", { env: { DATABASE_URL: "mysql://stint:hunter2@127.0.0.1/stint" } }]
    ]
    const said = await Promise.all(cases.map(([, options]) => refusal(options)))
    for (const [i, [variable]] of cases.entries()) {
      expect(said[i]).toContain(variable)
      expect(said[i]).toContain("exited (1)")
      expect(said[i]).not.toContain("hunter2")
      // One JSON log line with the reason, like every other line the server writes.
      const lines = said[i]!.split("\n").filter((line) => line.includes(variable) && line.includes("ERROR"))
      expect(lines.length, said[i]).toBeGreaterThan(0)
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ logLevel: "ERROR" })
    }
  })

  it("closes open feeds on SIGTERM and exits 0", async () => {
    const database = await freshDatabase("sqlite")
    databases.push(database)
    const server = await start(database)
    const ben = () => server.as("ben")
    // A live feed must not hold the shutdown up: connected (it has delivered the history), then left open.
    let connected = false
    let feedOpen = true
    const feed = ben()
      .feed({
        timeoutMs: 30_000,
        until: (events) => {
          connected ||= events.length > 0
          return false
        }
      })
      .catch(() => undefined)
      .finally(() => {
        feedOpen = false
      })
    await eventually(
      async () => connected,
      (yes) => yes
    )
    const exit = await server.stop(10_000)
    expect(exit).toEqual({ code: 0, signal: null })
    await feed
    expect(feedOpen).toBe(false)
  })

  it("limits bodies to STINT_MAX_BODY_BYTES", async () => {
    const database = await freshDatabase("sqlite")
    databases.push(database)
    const server = await start(database, { env: { STINT_MAX_BODY_BYTES: "1024" } })
    try {
      const small = await server.as("ben").command("declareInterests", { areas: ["typescript"] })
      expect(small.status).toBe(200)
      const large = await server.as("ben").command("declareInterests", { areas: ["typescript", "x".repeat(1100)] })
      expectError(large, 413)
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null })
    }
  })
})

describe("Lifecycle on SQLite", () => lifecycleSuite("sqlite"))
describe.skipIf(pgUrl === "")("Lifecycle on PostgreSQL", () => lifecycleSuite("postgresql"))
