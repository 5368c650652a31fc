/**
 * The invariants of DOMAIN.md as properties over generated command sequences (see `Arbitraries`).
 * Each property plays a scenario in a pure `World` and checks the rule over every step and history.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Actor } from "@stint/core/Actor"
import * as ActorModule from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import type { Command } from "@stint/core/Command"
import * as Decider from "@stint/core/Decider"
import * as Policy from "@stint/core/Policy"
import type { EngagementEvent } from "@stint/core/EngagementEvent"
import * as ES from "@stint/core/EngagementState"
import * as MenteeState from "@stint/core/MenteeState"
import * as MentorState from "@stint/core/MentorState"
import * as Stint from "@stint/core/Stint"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as fc from "fast-check"
import * as A from "@stint/testing/Arbitraries"
import * as World from "@stint/testing/World"

const numRuns = 200
const policy = Policy.defaults
const day = 24 * 60 * 60 * 1000

/** Asserts a check over the play of every generated scenario. */
const holds = (check: (played: A.Played) => void, maxSteps = 60) =>
  fc.assert(
    fc.property(A.scenario({ maxSteps }), (s) => {
      check(A.play(s, policy))
    }),
    { numRuns }
  )

const fail = (message: string, trace?: World.Trace): never => {
  throw new Error(
    trace === undefined
      ? message
      : `${message}\n  command: ${JSON.stringify(trace.command)}\n  actor: ${JSON.stringify(trace.actor)}\n  now: ${DateTime.formatIso(trace.input.now)}\n  result: ${Either.isLeft(trace.result) ? trace.result.left._tag : "accepted"}`
  )
}

const accepted = (t: World.Trace) => (Either.isRight(t.result) ? t.result.right : undefined)
const refusal = (t: World.Trace) => (Either.isLeft(t.result) ? t.result.left : undefined)
const userOf = (actor: Actor) => (actor._tag === "User" ? actor.userId : undefined)
const roleIn = (e: ES.Engagement, actor: Actor) => {
  const id = userOf(actor)
  return id === undefined ? undefined : ES.roleOf(e, id)
}
const engagementIdOf = (c: Command) => Decider.engagementOf(c)

/** The engagement a step is about, before and after it. */
const beforeAfter = (t: World.Trace) => {
  const id = engagementIdOf(t.command)
  return {
    before: id === undefined ? undefined : World.engagement(t.before, id),
    after: id === undefined ? undefined : World.engagement(t.after, id)
  }
}

type Status = ES.Status | "none"
const edges = new Set<string>([
  "none>requested",
  "requested>countered",
  "requested>active",
  "countered>active",
  "requested>declined",
  "countered>declined",
  "requested>withdrawn",
  "countered>withdrawn",
  "requested>expired",
  "countered>expired",
  "active>wrapping_up",
  "wrapping_up>active",
  "active>completed",
  "wrapping_up>completed",
  "active>ended_early",
  "wrapping_up>ended_early"
])

const within = (value: number, b: Policy.Bounds) => Number.isInteger(value) && value >= b.min && value <= b.max

describe("invariants", () => {
  it("INV-01 legal paths: every state change is an edge; terminal states take only feedback, outcomes and private notes", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const d = accepted(t)
        if (d === undefined) {
          if (t.after !== t.before) fail("a refused command changed the world", t)
          continue
        }
        let state = t.input.engagement
        for (const event of d.engagement) {
          const from: Status = state?.status ?? "none"
          const next = ES.evolve(state, event)
          const to: Status = next?.status ?? "none"
          if (from !== to && !edges.has(`${from}>${to}`)) fail(`illegal transition ${from} → ${to} by ${event._tag}`, t)
          if (from === "wrapping_up" && to === "active" && event._tag !== "ExtensionAccepted")
            fail(`wrapping_up → active by ${event._tag}`, t)
          if (state !== undefined && ES.isTerminal(state.status)) {
            const ok =
              (event._tag === "NoteAdded" && event.visibility === "private" && ES.isClosed(state.status)) ||
              ((event._tag === "FeedbackGiven" || event._tag === "GoalOutcomeRecorded" || event._tag === "GoalMet") &&
                ES.isClosed(state.status) &&
                !DateTime.greaterThan(t.input.now, ES.plusDays(state.closedAt!, state.policy.feedbackWindowDays)))
            if (!ok) fail(`${event._tag} changed a ${state.status} engagement`, t)
          }
          state = next
        }
      }
    }))

  it("INV-02 authority: a third user is always refused; accepted commands come from the actors the table names", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const e = t.input.engagement
        const c = t.command
        if (userOf(t.actor) === A.strangerId) {
          const onExisting = e !== undefined && c._tag !== "RequestEngagement" && c._tag !== "OfferEngagement"
          if ((onExisting || Decider.isMentorCommand(c)) && refusal(t)?._tag !== "NotAllowed")
            fail("a stranger was not refused with NotAllowed", t)
        }
        if (accepted(t) === undefined || e === undefined || c._tag === "RequestEngagement") continue
        if (c._tag === "OfferEngagement") continue
        const role = roleIn(e, t.actor)
        const expected: ReadonlyArray<string> =
          c._tag === "CounterScope" || c._tag === "OfferExtension"
            ? ["mentor"]
            : c._tag === "AcceptExtension" || c._tag === "DeclineExtension"
              ? ["mentee"]
              : c._tag === "AgreeEngagement" || c._tag === "DeclineEngagement"
                ? [ES.partyToAnswer(e)]
                : c._tag === "WithdrawRequest"
                  ? [e.initiator]
                  : c._tag === "ExpireRequest" || c._tag === "ElapseTimeBox"
                    ? ["system"]
                    : c._tag === "CloseEngagement" && c.outcome === "ended_early"
                      ? ["mentee", "mentor", "admin"]
                      : ["mentee", "mentor"]
        const who = role ?? (t.actor._tag === "Admin" ? "admin" : t.actor._tag === "System" ? "system" : "third")
        if (!expected.includes(who)) fail(`${c._tag} accepted from ${who}`, t)
      }
    }))

  it("INV-03 no self-mentoring: no engagement has the same mentor and mentee", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const c = t.command
        const self =
          (c._tag === "RequestEngagement" && userOf(t.actor) === c.mentorId) ||
          (c._tag === "OfferEngagement" && userOf(t.actor) === c.menteeId)
        if (self && accepted(t) !== undefined) fail("a self-mentoring request was accepted", t)
        for (const ev of accepted(t)?.engagement ?? [])
          if (ev._tag === "EngagementRequested" && ev.menteeId === ev.mentorId) fail("self-mentoring engagement", t)
      }
    }))

  it("INV-04 scope within bounds: asks, counters, agreements and extensions within policy; 1..3 goals with text", () =>
    holds(({ traces }) => {
      const inBounds = (s: { sessions: number; timeBoxDays: number; sessionMinutes: number }, p: Policy.Policy) =>
        within(s.sessions, p.sessionCap) &&
        within(s.timeBoxDays, p.timeBoxDays) &&
        within(s.sessionMinutes, p.sessionMinutes)
      for (const t of traces) {
        const e = t.input.engagement
        for (const ev of accepted(t)?.engagement ?? []) {
          switch (ev._tag) {
            case "EngagementRequested":
              if (!inBounds(ev.ask, ev.policy)) fail("ask out of bounds", t)
              if (ev.goals.length < 1 || ev.goals.length > 3) fail("goal count out of bounds", t)
              if (ev.goals.some((g) => g.statement.trim() === "" || g.successCriterion.trim() === ""))
                fail("empty goal", t)
              break
            case "ScopeCountered":
            case "EngagementAgreed":
              if (!inBounds(ev.scope, e!.policy)) fail(`${ev._tag} scope out of bounds`, t)
              break
            case "ExtensionAccepted": {
              if (ev.sessionCap > e!.policy.extensionCapFactor * e!.agreed!.sessions) fail("extension cap too high", t)
              const totalDays = DateTime.distance(e!.agreedAt!, ev.endsAt) / day
              if (totalDays > e!.policy.timeBoxDays.max) fail(`time box extended to ${totalDays} days`, t)
              if (e!.extensionsAccepted + 1 > e!.policy.maxExtensions) fail("too many extensions", t)
              break
            }
            case "FeedbackGiven":
              if (ev.rating < 1 || ev.rating > 5) fail("rating out of bounds", t)
              break
          }
        }
      }
    }))

  it("INV-05 no stretching: cap and end date change only via ExtensionAccepted of the open offer, by the mentee", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const d = accepted(t)
        if (d === undefined) continue
        for (const ev of d.engagement)
          if (ev._tag === "ExtensionOffered" && roleIn(t.input.engagement!, t.actor) !== "mentor")
            fail("an extension offered by someone other than the mentor", t)
        const { before, after } = beforeAfter(t)
        if (before?.agreedAt === undefined || after === undefined) continue
        const capChanged = after.sessionCap !== before.sessionCap
        const endChanged = !DateTime.Equivalence(after.endsAt!, before.endsAt!)
        if (!capChanged && !endChanged) continue
        const acceptedExt = d.engagement.find((ev) => ev._tag === "ExtensionAccepted")
        if (acceptedExt === undefined) fail("scope changed without ExtensionAccepted", t)
        if (roleIn(before, t.actor) !== "mentee") fail("scope raised by someone other than the mentee", t)
        const terms = before.openExtension
        if (terms === undefined) fail("extension accepted without an open offer", t)
        if (after.sessionCap !== before.sessionCap + terms!.additionalSessions) fail("cap differs from the offer", t)
        if (!DateTime.Equivalence(after.endsAt!, ES.plusDays(before.endsAt!, terms!.additionalDays)))
          fail("end date differs from the offer", t)
      }
    }))

  it("INV-06 session cap: sessions held minus retracted never exceed the agreed cap", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        for (const [id, events] of t.after.engagements) {
          let cap = 0
          let held = 0
          for (const ev of events) {
            if (ev._tag === "EngagementAgreed") cap = ev.scope.sessions
            if (ev._tag === "ExtensionAccepted") cap = ev.sessionCap
            if (ev._tag === "SessionHeld") held++
            if (ev._tag === "SessionRetracted") held--
          }
          if (held > cap) fail(`engagement ${id}: ${held} sessions held, cap ${cap}`, t)
        }
      }
    }))

  it("INV-07 session time window: after the agreement, not in the future, not after the end; minutes in bounds", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const e = t.input.engagement
        for (const ev of accepted(t)?.engagement ?? []) {
          if (ev._tag !== "SessionHeld") continue
          if (DateTime.lessThan(ev.heldAt, e!.agreedAt!)) fail("session before the agreement", t)
          if (DateTime.greaterThan(ev.heldAt, t.input.now)) fail("session in the future", t)
          if (DateTime.greaterThan(ev.heldAt, e!.endsAt!)) fail("session after the end", t)
          if (!within(ev.minutes, e!.policy.sessionMinutes)) fail("session minutes out of bounds", t)
        }
      }
    }))

  it("INV-08 time box counted from agreement: endsAt = agreedAt + timeBoxDays", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        for (const ev of accepted(t)?.engagement ?? []) {
          if (ev._tag !== "EngagementAgreed") continue
          if (!DateTime.Equivalence(ev.agreedAt, t.input.now)) fail("agreedAt is not the time of agreement", t)
          if (!DateTime.Equivalence(ev.endsAt, ES.plusDays(ev.agreedAt, ev.scope.timeBoxDays)))
            fail("endsAt is not agreedAt + timeBoxDays", t)
        }
      }
    }))

  it("INV-09 time is decided at decision time: no agree/counter at or after expiry; expiring twice writes once", () =>
    holds(({ traces, final }) => {
      for (const t of traces) {
        const e = t.input.engagement
        const c = t.command
        if (
          e !== undefined &&
          ES.isPending(e.status) &&
          (c._tag === "AgreeEngagement" || c._tag === "CounterScope") &&
          !DateTime.lessThan(t.input.now, e.expiresAt) &&
          accepted(t) !== undefined
        )
          fail(`${c._tag} accepted after the deadline`, t)
        if (c._tag === "ExpireRequest" && e?.status === "expired" && t.actor._tag === "System") {
          const d = accepted(t)
          if (d === undefined || d.engagement.length + d.mentor.length + d.mentee.length > 0)
            fail("expiring an expired request did not write nothing", t)
        }
      }
      for (const [id, events] of final.engagements)
        if (events.filter((ev) => ev._tag === "RequestExpired").length > 1) fail(`${id} expired twice`)
    }))

  it("INV-10 request ledger: open requests per mentee ≤ limit; at most one live engagement per pair", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const all = World.engagements(t.after)
        for (const menteeId of new Set(all.map((e) => e.menteeId))) {
          const mine = all.filter((e) => e.menteeId === menteeId)
          const open = mine.filter((e) => ES.isPending(e.status) && e.initiator === "mentee").length
          if (open > policy.maxOpenRequests) fail(`${menteeId} has ${open} open requests`, t)
          const ledger = World.mentee(t.after, menteeId)
          if (MenteeState.openRequests(ledger) !== open)
            fail(`${menteeId}: ledger says ${MenteeState.openRequests(ledger)} open, streams ${open}`, t)
          for (const mentorId of new Set(mine.map((e) => e.mentorId))) {
            const live = mine.filter((e) => e.mentorId === mentorId && (ES.isPending(e.status) || ES.isLive(e.status)))
            if (live.length > 1) fail(`${menteeId} and ${mentorId} have ${live.length} live engagements`, t)
          }
        }
      }
    }))

  it("INV-11 cooldown, not a life ban: a cooldown refusal only within the window after closing; offers never blocked", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const r = refusal(t)
        if (r?._tag !== "CooldownActive") continue
        const c = t.command
        if (c._tag !== "RequestEngagement") fail(`${c._tag} refused by a cooldown`, t)
        if (c._tag !== "RequestEngagement") continue
        const menteeId = userOf(t.actor)
        const justified = World.engagements(t.before).some(
          (e) =>
            e.menteeId === menteeId &&
            e.mentorId === c.mentorId &&
            e.area === c.area &&
            e.closedAt !== undefined &&
            DateTime.lessThan(t.input.now, ES.plusDays(e.closedAt, e.policy.cooldownDays))
        )
        if (!justified) fail("cooldown refusal without a recent closing", t)
        if (!DateTime.lessThan(t.input.now, r.until)) fail("cooldown refusal after it ended", t)
      }
    }))

  it("INV-12 mentor capacity: seats and committed sessions ≤ capacity at each reservation; lowering capacity touches nothing", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const d = accepted(t)
        if (d === undefined) continue
        if (t.command._tag === "ChangeCapacity" && (d.engagement.length > 0 || d.mentee.length > 0))
          fail("changing capacity touched engagements", t)
        if (!d.mentor.some((ev) => ev._tag === "SeatReserved" || ev._tag === "SeatAdjusted")) continue
        const m = World.mentor(t.after, t.targets.mentorId!)!
        if (m.seats.size > m.capacity.engagements) fail(`${m.seats.size} seats > ${m.capacity.engagements}`, t)
        const committed = MentorState.committedSessions(m)
        if (committed > m.capacity.sessions) fail(`${committed} sessions committed > ${m.capacity.sessions}`, t)
      }
    }))

  it("INV-13 paused mentors receive no new requests and agree to nothing", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const c = t.command._tag
        if (
          (c === "RequestEngagement" || c === "OfferEngagement" || c === "AgreeEngagement") &&
          t.input.mentor?.paused === true &&
          accepted(t) !== undefined
        )
          fail(`${c} accepted while the mentor is paused`, t)
      }
    }))

  it("INV-14 expertise: a request's area is one the mentor offers at the time of the request", () =>
    holds(({ traces }) => {
      for (const t of traces)
        for (const ev of accepted(t)?.engagement ?? [])
          if (ev._tag === "EngagementRequested" && !t.input.mentor!.areas.includes(ev.area))
            fail(`area ${ev.area} not offered`, t)
    }))

  it("INV-15 goals: outcomes need a session; GoalMet at most once per goal, exactly when the rule holds", () =>
    holds(({ traces, final }) => {
      for (const t of traces) {
        const d = accepted(t)
        const e = t.input.engagement
        if (d === undefined || e === undefined) continue
        const recorded = d.engagement.find((ev) => ev._tag === "GoalOutcomeRecorded")
        const met = d.engagement.filter((ev) => ev._tag === "GoalMet")
        if (recorded === undefined) {
          if (met.length > 0) fail("GoalMet without an outcome", t)
          continue
        }
        if (ES.sessionsHeld(e) === 0) fail("goal outcome without a session", t)
        const goal = ES.evolve(e, recorded)!.goals[recorded.goalIndex]!
        const shouldMeet = !e.goals[recorded.goalIndex]!.met && ES.goalRuleSatisfied(e, goal)
        if (shouldMeet !== (met.length === 1) || met.length > 1)
          fail(`GoalMet ${met.length} times, rule ${shouldMeet}`, t)
      }
      for (const [id, events] of final.engagements) {
        const seen = new Set<number>()
        for (const ev of events) {
          if (ev._tag !== "GoalMet") continue
          if (seen.has(ev.goalIndex)) fail(`${id}: goal ${ev.goalIndex} met twice`)
          seen.add(ev.goalIndex)
        }
      }
    }))

  it("INV-16 notes are private: only participants write notes, as themselves; after closing only private ones", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        for (const ev of accepted(t)?.engagement ?? []) {
          if (ev._tag !== "NoteAdded") continue
          const e = t.input.engagement!
          if (roleIn(e, t.actor) !== ev.author) fail("a note's author is not the actor", t)
          if (ES.isTerminal(e.status) && ev.visibility !== "private") fail("a shared note after closing", t)
        }
      }
    }))

  it("INV-17 idempotent commands: the same command id twice appends nothing and returns the first result; for another request it is refused", () =>
    fc.assert(
      fc.asyncProperty(A.scenario({ maxSteps: 12 }), async (s) => {
        const program = Effect.gen(function* () {
          // The clock stands still: a command that decided nothing (and so recorded no id) must not
          // find a deadline passed when it is sent again a moment later.
          yield* TestClock.setTime(Date.now())
          const stint = yield* Stint.Stint
          const count = Stream.runCount(stint.events())
          for (const r of A.registrations(s.mentors)) yield* stint.execute(r.command, { actor: r.actor })
          let shadow = World.make(policy, DateTime.unsafeNow())
          for (const r of A.registrations(s.mentors)) shadow = World.step(shadow, r.command, r.actor).world
          let index = 0
          for (const st of s.steps) {
            shadow = { ...shadow, now: DateTime.unsafeNow() }
            const { command, actor } = A.resolve(shadow, st, index)
            shadow = World.step(shadow, command, actor).world
            const commandId = `cmd-${index++}`
            const first = yield* Effect.either(stint.execute(command, { actor, commandId }))
            const n1 = yield* count
            const second = yield* Effect.either(stint.execute(command, { actor, commandId }))
            const n2 = yield* count
            assert.strictEqual(n2, n1)
            if (Either.isRight(first)) {
              assert.strictEqual(Either.isRight(second), true)
              if (Either.isRight(second)) {
                assert.deepStrictEqual(second.right.events, first.right.events)
                // Recorded even when it decided nothing: the retry is a duplicate either way.
                assert.strictEqual(second.right.duplicate, true)
              }
              // The same id for another request (the same command from someone else) is refused.
              const other =
                actor._tag === "System" ? ActorModule.user(Ids.UserId.make("someone-else")) : ActorModule.system
              const reused = yield* Effect.either(stint.execute(command, { actor: other, commandId }))
              assert.strictEqual(Either.isLeft(reused) && reused.left._tag, "CommandIdReused")
              assert.strictEqual(yield* count, n1)
            } else {
              assert.strictEqual(Either.isLeft(second) && second.left._tag, first.left._tag)
            }
          }
        })
        await Effect.runPromise(
          program.pipe(Effect.provide(Stint.layerMemory()), Effect.provide(TestContext.TestContext))
        )
      }),
      { numRuns }
    ))

  it("INV-18 pure decisions: the same state, command and now give the same result", () =>
    holds(({ traces }) => {
      for (const t of traces) {
        const again = Decider.decide(t.command, t.input)
        const third = Decider.decide(t.command, { ...t.input })
        assert.deepStrictEqual(again, t.result)
        assert.deepStrictEqual(third, again)
      }
    }))
})

describe("generator coverage", () => {
  it("reaches deep states, so the properties are not vacuous", () => {
    const counts: Record<string, number> = {}
    const bump = (key: string) => {
      counts[key] = (counts[key] ?? 0) + 1
    }
    fc.assert(
      fc.property(A.scenario(), (s) => {
        const { traces, final } = A.play(s, policy)
        const reached = new Set<string>()
        for (const t of traces) {
          const r = refusal(t)
          if (r !== undefined) reached.add(`refused:${r._tag}`)
          const c = t.command
          const e = t.input.engagement
          if (
            e !== undefined &&
            ES.isPending(e.status) &&
            (c._tag === "AgreeEngagement" || c._tag === "CounterScope") &&
            !DateTime.lessThan(t.input.now, e.expiresAt)
          )
            reached.add("answer after deadline")
          if (c._tag === "ExpireRequest" && e?.status === "expired" && t.actor._tag === "System")
            reached.add("expire twice")
          if (userOf(t.actor) === A.strangerId && e !== undefined) reached.add("stranger on engagement")
          for (const ev of accepted(t)?.engagement ?? []) reached.add(`event:${ev._tag}`)
        }
        for (const events of final.engagements.values()) {
          const status = ES.fold(events as ReadonlyArray<EngagementEvent>)?.status
          if (status) reached.add(`final:${status}`)
          let state: ES.EngagementState
          for (const ev of events) {
            state = ES.evolve(state, ev)
            reached.add(`status:${state!.status}`)
          }
        }
        for (const key of reached) bump(key)
      }),
      // A fixed seed keeps this check stable: some states (a goal met by both) are reached in ~1-3% of runs.
      { numRuns, seed: 20260105 }
    )
    console.log("generator coverage over", numRuns, "runs:", JSON.stringify(counts, null, 1))
    for (const key of [
      "status:active",
      "status:wrapping_up",
      "status:countered",
      "status:completed",
      "status:ended_early",
      "status:expired",
      "status:declined",
      "status:withdrawn",
      "event:ExtensionOffered",
      "event:ExtensionAccepted",
      "event:SessionRetracted",
      "event:GoalMet",
      "event:FeedbackGiven",
      "refused:MentorAtCapacity",
      "refused:SessionCapReached",
      "refused:RequestExpired",
      "refused:NotAllowed",
      "refused:SelfMentoring",
      "refused:MentorPaused",
      "refused:AreaNotOffered",
      "refused:OutOfBounds",
      "answer after deadline",
      "expire twice",
      "stranger on engagement"
    ])
      assert.isAbove(counts[key] ?? 0, 0, key)
  })
})

describe("INV-17 under concurrency", () => {
  it.effect("the same command id sent many times at once appends once; every caller gets the first result", () =>
    Effect.gen(function* () {
      const stint = yield* Stint.Stint
      const mentorId = Ids.UserId.make("racer")
      const results = yield* Effect.all(
        Array.from({ length: 12 }, () =>
          stint.execute(
            { _tag: "RegisterMentor", mentorId, areas: [Ids.Area.make("typescript")] },
            { actor: ActorModule.user(mentorId), commandId: "register-racer-once" }
          )
        ),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.filter((r) => !r.duplicate).length, 1)
      const first = results.find((r) => !r.duplicate)!
      for (const r of results)
        assert.deepStrictEqual(
          r.events.map((e) => e.record.eventId),
          first.events.map((e) => e.record.eventId)
        )
      assert.strictEqual((yield* stint.history(Stint.mentorStream(mentorId))).length, 1)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
