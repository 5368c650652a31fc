/** Deadlines: what falls due when, per engagement, as the deadline process reads it. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, Command, EngagementEvent as E, Ids, Policy, Stint } from "@stint/core"
import * as Deadlines from "@stint/core/Deadlines"
import { DateTime, Effect, Either, TestClock } from "effect"
import * as ProjectionSpec from "@stint/testing/ProjectionSpec"
import * as F from "./fixtures.js"

const { ana, ben, customers: area, at, as, held, wrapUp } = F
const id = F.engagementId(6)
const stream = F.stream(id)
const tracked = `engagement:${id}`
const scope = { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 }
const goals = [{ statement: "Run a discovery call", successCriterion: "One call held" }]

const requested = F.requested(id, {
  area,
  need: "Talk to customers",
  goals,
  ask: scope,
  // A programme with a shorter feedback window: the engagement keeps the one it was asked under.
  policy: { ...Policy.defaults, feedbackWindowDays: 5 }
})
const countered = E.ScopeCountered.make({ scope, counteredAt: at(2), expiresAt: at(9) })
const agreed = F.agreed({ scope })
const terms = { additionalSessions: 1, additionalDays: 10 }
const accepted = (endsAt: DateTime.Utc) =>
  E.ExtensionAccepted.make({ terms, sessionCap: 4, endsAt, acceptedAt: at(32) })
const closed = E.EngagementClosed.make({ outcome: "completed", closedBy: Actor.user(ben), closedAt: at(20) })

const deadline = (kind: Deadlines.DeadlineKind, dueAt: DateTime.Utc): Deadlines.Deadline =>
  Deadlines.Deadline.make({ engagementId: id, menteeId: ben, mentorId: ana, kind, dueAt })
const helper = (through: number): Deadlines.Tracked =>
  Deadlines.Tracked.make({ menteeId: ben, mentorId: ana, feedbackWindowDays: 5, through })

describe("Deadlines", () => {
  it("a request is due to expire at its expiry", () => {
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [requested])
      .thenDocuments({ [id]: deadline("request_expires", at(7)), [tracked]: helper(1) })
      .thenIdempotent()
  })

  it("a counter moves the expiry to the counter's", () => {
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [requested, countered])
      .thenDocuments({ [id]: deadline("request_expires", at(9)), [tracked]: helper(2) })
      .thenIdempotent()
  })

  it("an agreement: the time box ends at endsAt", () => {
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [requested, countered, agreed])
      .thenDocuments({ [id]: deadline("time_box_ends", at(31)), [tracked]: helper(3) })
      .thenIdempotent()
  })

  it("declined, withdrawn, expired: nothing is due any more, no document stays", () => {
    for (const end of [
      E.EngagementDeclined.make({ declinedBy: "mentor", declinedAt: at(2) }),
      E.RequestWithdrawn.make({ withdrawnBy: "mentee", withdrawnAt: at(2) }),
      E.RequestExpired.make({ expiredAt: at(7) })
    ]) {
      ProjectionSpec.given(Deadlines.projection).when(stream, [requested, end]).thenDocuments({}).thenIdempotent()
    }
  })

  it("an extension accepted while active moves the end of the time box", () => {
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [requested, agreed, held(1), accepted(at(41))])
      .thenDocuments({ [id]: deadline("time_box_ends", at(41)), [tracked]: helper(4) })
      .thenIdempotent()
  })

  it("wrap-up at the cap or at the end of the time box: nothing is due until an extension makes it active again", () => {
    for (const reason of ["session_cap_reached", "time_box_elapsed"] as const) {
      const spec = ProjectionSpec.given(Deadlines.projection).when(stream, [
        requested,
        agreed,
        held(1),
        wrapUp(reason, 31)
      ])
      spec.thenDocuments({ [tracked]: helper(4) }).thenIdempotent()
      spec
        .when(stream, [accepted(at(41))])
        .thenDocuments({ [id]: deadline("time_box_ends", at(41)), [tracked]: helper(5) })
        .thenIdempotent()
    }
  })

  it("closing: the feedback window closes after the engagement's own window, and the helper goes", () => {
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [requested, agreed, held(1), wrapUp("session_cap_reached", 5), closed])
      .thenDocuments({ [id]: deadline("feedback_closes", at(25)) })
      .thenIdempotent()
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [requested, agreed, held(1), closed])
      .thenDocuments({ [id]: deadline("feedback_closes", at(25)) })
      .thenIdempotent()
  })

  it("events of an engagement never requested change nothing", () => {
    ProjectionSpec.given(Deadlines.projection)
      .when(stream, [agreed, accepted(at(41)), closed])
      .thenDocuments({})
  })

  it("isDue: at or after dueAt", () => {
    const d = deadline("request_expires", at(7))
    assert.strictEqual(Deadlines.isDue(d, at(6, 23)), false)
    assert.strictEqual(Deadlines.isDue(d, at(7)), true)
    assert.strictEqual(Deadlines.isDue(d, at(8)), true)
  })

  it("commandFor: ExpireRequest, ElapseTimeBox, and nothing for the feedback window", () => {
    assert.deepStrictEqual(
      Deadlines.commandFor(deadline("request_expires", at(7))),
      Command.ExpireRequest.make({ engagementId: id })
    )
    assert.deepStrictEqual(
      Deadlines.commandFor(deadline("time_box_ends", at(31))),
      Command.ElapseTimeBox.make({ engagementId: id })
    )
    assert.isUndefined(Deadlines.commandFor(deadline("feedback_closes", at(25))))
  })

  it("indexes: due by kind and time, and under each participant; helpers are not listed", () => {
    const { due, byParticipant } = Deadlines.projection.indexes
    const d = deadline("time_box_ends", at(31))
    const millis = DateTime.toEpochMillis(at(31))
    assert.deepStrictEqual(due!(d, id), ["time_box_ends", millis])
    assert.deepStrictEqual(byParticipant!(d, id), [
      ["ben", millis],
      ["ana", millis]
    ])
    assert.isUndefined(due!(helper(1), tracked))
    assert.isUndefined(byParticipant!(helper(1), tracked))
  })

  it("view: participants, admins and the system see a deadline; others nothing; nobody a helper", () => {
    const { view } = Deadlines.readModel
    const d = deadline("request_expires", at(7))
    for (const viewer of [Actor.user(ben), Actor.user(ana), Actor.admin(Ids.UserId.make("ada")), Actor.system])
      assert.deepStrictEqual(view(d, id, viewer), d)
    assert.isUndefined(view(d, id, Actor.user(Ids.UserId.make("eve"))))
    for (const viewer of [Actor.user(ben), Actor.admin(Ids.UserId.make("ada")), Actor.system])
      assert.isUndefined(view(helper(1), tracked, viewer))
  })

  it.effect("a real run: the process expires what is due and elapses a time box; an extension moves it", () =>
    Effect.gen(function* () {
      yield* F.startClock
      const stint = yield* Stint.Stint
      const [first, second] = [F.e1, F.e2]
      const cleo = Ids.UserId.make("cleo")
      const documents = Effect.map(F.log, (envelopes) => F.rebuild(Deadlines.projection, envelopes))
      /** What the deadline process does: every due deadline of a kind, in `due` order, as a command. */
      const runProcess = Effect.gen(function* () {
        const now = yield* DateTime.now
        const due = [...(yield* documents).values()]
          .filter((d): d is Deadlines.Deadline => d._tag === "Deadline" && Deadlines.isDue(d, now))
          .sort((a, b) => DateTime.toEpochMillis(a.dueAt) - DateTime.toEpochMillis(b.dueAt))
        const sent: Array<string> = []
        for (const d of due) {
          const command = Deadlines.commandFor(d)
          if (command === undefined) continue
          yield* stint.execute(command, { actor: Actor.system })
          sent.push(`${command._tag} ${d.engagementId}`)
        }
        return sent
      })

      yield* stint.execute(Command.RegisterMentor.make({ mentorId: ana, areas: [area] }), as(ana))
      const ask = (engagementId: Ids.EngagementId, mentee: Ids.UserId) =>
        stint.execute(
          Command.RequestEngagement.make({
            engagementId,
            mentorId: ana,
            area,
            need: "Talk to customers",
            goals,
            scope: { sessions: 2, timeBoxDays: 10 }
          }),
          as(mentee)
        )
      yield* ask(first, ben)
      yield* ask(second, cleo)
      yield* TestClock.adjust("1 day")
      yield* stint.execute(Command.AgreeEngagement.make({ engagementId: first }), as(ana))
      const agreedAt = yield* DateTime.now
      let d = yield* documents
      assert.deepStrictEqual(d.get(first), {
        _tag: "Deadline",
        engagementId: first,
        menteeId: ben,
        mentorId: ana,
        kind: "time_box_ends",
        dueAt: DateTime.add(agreedAt, { days: 10 })
      })
      assert.deepStrictEqual(d.get(second), {
        _tag: "Deadline",
        engagementId: second,
        menteeId: cleo,
        mentorId: ana,
        kind: "request_expires",
        dueAt: DateTime.add(at(0), { days: 7 })
      })
      assert.deepStrictEqual(yield* runProcess, [])

      // Day 7: the unanswered request expires and leaves nothing due.
      yield* TestClock.adjust("6 days")
      assert.deepStrictEqual(yield* runProcess, [`ExpireRequest ${second}`])
      d = yield* documents
      assert.isUndefined(d.get(second))
      assert.isUndefined(d.get(`engagement:${second}`))

      // An extension accepted while active moves the end of the time box by its days.
      yield* stint.execute(
        Command.RecordSession.make({
          engagementId: first,
          sessionId: Ids.SessionId.make("3b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f"),
          heldAt: yield* DateTime.now,
          minutes: 20
        }),
        as(ben)
      )
      yield* stint.execute(
        Command.OfferExtension.make({ engagementId: first, additionalSessions: 0, additionalDays: 5 }),
        as(ana)
      )
      yield* stint.execute(Command.AcceptExtension.make({ engagementId: first }), as(ben))
      const endsAt = DateTime.add(agreedAt, { days: 15 })
      assert.deepStrictEqual(
        (yield* documents).get(first),
        Deadlines.Deadline.make({
          engagementId: first,
          menteeId: ben,
          mentorId: ana,
          kind: "time_box_ends",
          dueAt: endsAt
        })
      )

      // Day 11 (the original end) is not due any more; day 16 is.
      yield* TestClock.adjust("4 days")
      assert.deepStrictEqual(yield* runProcess, [])
      yield* TestClock.adjust("5 days")
      assert.deepStrictEqual(yield* runProcess, [`ElapseTimeBox ${first}`])
      assert.isUndefined((yield* documents).get(first))
      const state = yield* stint.engagement(first)
      assert.strictEqual(state?.status, "wrapping_up")

      yield* stint.execute(Command.CloseEngagement.make({ engagementId: first, outcome: "completed" }), as(ana))
      const closedAt = yield* DateTime.now
      d = yield* documents
      assert.deepStrictEqual([...d.keys()], [first])
      assert.deepStrictEqual(
        d.get(first),
        Deadlines.Deadline.make({
          engagementId: first,
          menteeId: ben,
          mentorId: ana,
          kind: "feedback_closes",
          dueAt: DateTime.add(closedAt, { days: 14 })
        })
      )
      // The process sends nothing for the feedback window, even once it has passed.
      yield* TestClock.adjust("15 days")
      assert.deepStrictEqual(yield* runProcess, [])
      // And the decider agrees the window is closed then.
      const late = yield* Effect.either(
        stint.execute(Command.GiveFeedback.make({ engagementId: first, rating: 5 }), as(ben))
      )
      assert.isTrue(Either.isLeft(late))
      // Any split of the log into two batches gives the same documents (INV-19).
      F.assertBatchesAgree(Deadlines.projection, yield* F.log)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
