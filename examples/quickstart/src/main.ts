/**
 * The quickstart: one micro-mentoring engagement from request to close, through Stint's public API,
 * in memory, with the built-in read models. A simulated clock lets the story span three weeks in a
 * moment.
 *
 * Run it from the repository root with `npx -y pnpm@10 start`.
 */
import {
  Actor,
  EngagementState,
  Ids,
  ProgramMetrics,
  Projections,
  ReadModels,
  SessionJournal,
  Stint
} from "@stint/core"
import { DateTime, Effect, TestClock, TestContext } from "effect"

const ana = Ids.UserId.make("ana") // mentor
const ben = Ids.UserId.make("ben") // mentee
const engagementId = Ids.EngagementId.make(crypto.randomUUID())
const area = Ids.Area.make("working with customers")

const say = (line: string) => Effect.sync(() => console.log(line))

const story = Effect.gen(function* () {
  const stint = yield* Stint.Stint
  const asAna = { actor: Actor.user(ana) }
  const asBen = { actor: Actor.user(ben) }
  const now = () =>
    Effect.map(
      Effect.clockWith((c) => c.currentTimeMillis),
      (ms) => DateTime.unsafeMake(ms)
    )

  yield* TestClock.setTime(Date.parse("2026-11-02T09:00:00Z"))

  yield* say("Ana registers as a mentor for customer work, with room for 3 engagements.")
  yield* stint.execute({ _tag: "RegisterMentor", mentorId: ana, areas: [area] }, asAna)

  yield* say("Ben asks Ana for three sessions over a month on one need.")
  yield* stint.execute(
    {
      _tag: "RequestEngagement",
      engagementId,
      mentorId: ana,
      area,
      need: "I start talking to customers next month and freeze on discovery calls.",
      goals: [
        {
          statement: "Run a discovery call with a script I trust",
          successCriterion: "One real call held using the script, with notes on what I learned"
        }
      ],
      scope: { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 }
    },
    asBen
  )

  yield* TestClock.adjust("1 day")
  yield* say("Ana has time for two, and counters with two sessions in three weeks.")
  yield* stint.execute(
    { _tag: "CounterScope", engagementId, scope: { sessions: 2, timeBoxDays: 21, sessionMinutes: 20 } },
    asAna
  )

  yield* say("Ana cannot agree to her own counter on Ben's behalf — the mentee answers now:")
  const refused = yield* stint.execute({ _tag: "AgreeEngagement", engagementId }, asAna).pipe(Effect.flip)
  yield* say(`  ${refused._tag}: ${refused.message}`)

  yield* TestClock.adjust("2 hours")
  yield* say("Ben agrees to the counter: two sessions, 21 days from today.")
  yield* stint.execute({ _tag: "AgreeEngagement", engagementId }, asBen)

  for (const week of [1, 2]) {
    yield* TestClock.adjust("6 days")
    const heldAt = yield* now()
    yield* say(`Week ${week}: a twenty-minute session, recorded by Ben, with a shared note.`)
    const sessionId = Ids.SessionId.make(crypto.randomUUID())
    yield* stint.execute({ _tag: "RecordSession", engagementId, sessionId, heldAt, minutes: 20 }, asBen)
    yield* stint.execute(
      {
        _tag: "AddNote",
        engagementId,
        noteId: Ids.NoteId.make(crypto.randomUUID()),
        sessionId,
        visibility: "shared",
        text: week === 1 ? "Drafted a five-question discovery script." : "Ben ran a real call; it went well."
      },
      asBen
    )
  }

  yield* say("Ben also keeps a private note for himself.")
  yield* stint.execute(
    {
      _tag: "AddNote",
      engagementId,
      noteId: Ids.NoteId.make(crypto.randomUUID()),
      visibility: "private",
      text: "Next time: ask about their budget earlier."
    },
    asBen
  )

  yield* say("A third session? The cap is reached, and only Ana could offer more:")
  const capped = yield* stint
    .execute(
      {
        _tag: "RecordSession",
        engagementId,
        sessionId: Ids.SessionId.make(crypto.randomUUID()),
        heldAt: yield* now(),
        minutes: 20
      },
      asBen
    )
    .pipe(Effect.flip)
  yield* say(`  ${capped._tag}: ${capped.message}`)

  yield* say("Both record the goal as met; the goal counts as met when both say so.")
  yield* stint.execute({ _tag: "RecordGoalOutcome", engagementId, goalIndex: 0, outcome: "met" }, asBen)
  yield* stint.execute({ _tag: "RecordGoalOutcome", engagementId, goalIndex: 0, outcome: "met" }, asAna)

  yield* say("Ana closes the engagement as completed, and both leave feedback.")
  yield* stint.execute({ _tag: "CloseEngagement", engagementId, outcome: "completed" }, asAna)
  yield* stint.execute({ _tag: "GiveFeedback", engagementId, rating: 5, comment: "Exactly what I needed." }, asBen)
  yield* stint.execute({ _tag: "GiveFeedback", engagementId, rating: 5 }, asAna)

  yield* say("\nThe engagement's events:")
  const history = yield* stint.history(Stint.engagementStream(engagementId))
  for (const { event, record } of history) {
    const { _tag, ...data } = event as { _tag: string } & Record<string, unknown>
    const fields = Object.entries(data)
      // The raw history holds every note's text: people are served read models (below), never this.
      .filter(([k]) => !["policy", "goals", "need", "text", "comment"].includes(k))
      .map(([k, v]) => `${k}=${DateTime.isDateTime(v) ? DateTime.formatIso(v) : JSON.stringify(v)}`)
      .join(" ")
    yield* say(`  #${record.version} ${_tag.padEnd(20)} ${fields}`)
  }

  const state = yield* stint.engagement(engagementId)
  if (state === undefined) return
  yield* say("\nIts state:")
  yield* say(`  status:   ${state.status}`)
  yield* say(`  scope:    ${state.sessionCap} sessions, ends ${DateTime.formatIso(state.endsAt!)}`)
  yield* say(`  sessions: ${EngagementState.sessionsHeld(state)} held of ${state.sessionCap}`)
  yield* say(`  goals:    ${state.goals.map((g) => `${g.statement} — ${g.met ? "met" : "not met"}`).join("; ")}`)
  yield* say(`  feedback: from ${state.feedbackFrom.join(" and ")}`)

  const mentor = yield* stint.mentor(ana)
  yield* say(`\nAna's seats after closing: ${mentor?.seats.size ?? 0} of ${mentor?.capacity.engagements}`)

  // Read models: served through each one's view, so everyone sees only what they may.
  const projections = yield* Projections.Projections
  yield* projections.catchUp()
  yield* say("\nThe session journal, as each of them sees it:")
  for (const [name, viewer] of [
    ["Ben", Actor.user(ben)],
    ["Ana", Actor.user(ana)],
    ["an admin", Actor.admin(Ids.UserId.make("programme-admin"))]
  ] as const) {
    const journal = yield* projections.view(SessionJournal.readModel, engagementId, viewer)
    if (journal._tag === "None") continue
    const notes = journal.value.notes.map((n) => `${n.visibility} "${n.text}"`)
    yield* say(`  ${name}: ${journal.value.sessions.length} sessions; notes: ${notes.join(", ") || "none"}`)
  }
  const programme = yield* projections.view(
    ProgramMetrics.readModel,
    "",
    Actor.admin(Ids.UserId.make("programme-admin"))
  )
  if (programme._tag === "Some" && programme.value._tag === "Programme") {
    const p = programme.value
    yield* say(
      `\nThe programme (admins only): ${p.requests.requested} request, ${p.requests.agreed} agreed, ` +
        `${p.closed.completed} completed, goals met ${p.goals.met}, median first answer ${p.firstResponse.medianMinutes} min`
    )
  }
})

story
  .pipe(
    Effect.provide(Stint.layerMemory({ projections: ReadModels.options({ run: false }) })),
    Effect.provide(TestContext.TestContext),
    Effect.runPromise
  )
  .catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
