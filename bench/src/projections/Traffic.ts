/**
 * A realistic event log: a mentoring programme simulated over several months and driven through the
 * real `Stint.Stint` service (in memory, default policy), so every event is one Stint wrote. Mentors
 * register with one to three areas and some change their capacity, expertise or pause; mentees declare
 * interests and ask (or are offered) engagements, which are agreed, countered, declined, withdrawn or
 * left to expire; agreed ones hold sessions with notes, sometimes retract and re-record one, take an
 * extension, run past their time box, record goal outcomes, close (completed or ended early) and get
 * feedback. Refusals the domain returns on the way (a mentor at capacity, a cooldown…) are counted, as
 * a real programme would see them. Seeded, so the same size gives the same programme.
 */
import * as Actor from "@stint/core/Actor"
import type { Command } from "@stint/core/Command"
import { Area, EngagementId, NoteId, SessionId, UserId } from "@stint/core/Ids"
import * as Policy from "@stint/core/Policy"
import type { CommandResult } from "@stint/core/CommandHandler"
import type { Envelope } from "@stint/core/EventCodec"
import * as Stint from "@stint/core/Stint"
import { EventStore } from "@stint/core/EventStore"
import * as MemoryEventStore from "@stint/core/MemoryEventStore"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import { Agenda } from "./Agenda.js"
import * as SimulatedClock from "./SimulatedClock.js"

/** The log and what the simulation did to write it. */
export interface Log {
  readonly records: ReadonlyArray<RecordedEvent>
  /** Commands that appended events or were accepted with nothing to write. */
  readonly accepted: number
  /** Commands the domain refused, by refusal. */
  readonly refused: ReadonlyMap<string, number>
  /** Engagements asked or offered (the refused requests included). */
  readonly engagements: number
  readonly mentors: number
  readonly mentees: number
  /** Events by type. */
  readonly types: ReadonlyMap<string, number>
  /** The programme time the log spans. */
  readonly simulatedDays: number
  /** Wall time of the simulation (not part of any measurement). */
  readonly seconds: number
}

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour

/** A small seeded generator (mulberry32): the same seed gives the same programme. */
const random = (seed: number) => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const between = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1))
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!
  const chance = (p: number): boolean => next() < p
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("")
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`
  /** Exponentially distributed, with this mean. */
  const exponential = (mean: number): number => -Math.log(1 - next()) * mean
  return { next, between, pick, chance, uuid, exponential }
}

const areas = [
  "public speaking",
  "customer conversations",
  "typescript",
  "career growth",
  "people management",
  "system design",
  "product discovery",
  "negotiation",
  "writing",
  "data analysis",
  "hiring",
  "testing"
].map((a) => Area.make(a))

const needs = [
  "I am preparing my first conference talk on event sourcing and want feedback on the outline, the live demo and how to pace the questions at the end.",
  "I just became a team lead and want to get better at one-to-ones and at giving feedback that lands.",
  "Our onboarding interviews with customers feel unstructured; I want a repeatable way to run them and to learn from them.",
  "I want to move from frontend work to owning backend services and need a plan for the next quarter.",
  "I keep getting stuck on designing data models for features that change often.",
  "I have an offer negotiation next month and want to prepare for it.",
  "I write long design documents nobody reads; I want them shorter and more decisive."
]

const goalBank = [
  { statement: "Give the talk at the meetup with a demo that works", successCriterion: "The talk fits in 25 minutes" },
  { statement: "Run three structured customer interviews", successCriterion: "Notes from three calls, shared" },
  { statement: "Hold a one-to-one with every report", successCriterion: "Each report says it was useful" },
  { statement: "Ship a backend change end to end", successCriterion: "Merged, deployed and monitored" },
  { statement: "Write a one-page design for the next feature", successCriterion: "Reviewed and approved" },
  { statement: "Prepare the negotiation", successCriterion: "A written plan with a walk-away point" },
  { statement: "Make a learning plan for the quarter", successCriterion: "Plan agreed with my manager" }
]

const noteTexts = [
  "We went through the outline; next time bring the demo script.",
  "Agreed to try the question framework on the next two calls and compare notes.",
  "Good progress. The main risk is time: block two mornings a week.",
  "Reminder to myself: ask about the trade-offs of the queue-based design, not just the happy path.",
  "Shared the template we use for interview notes; adapt it rather than starting from scratch.",
  "Felt rushed today. Next session: fewer topics, one decision."
]

const reasons = [
  "Priorities changed at work",
  "We covered what I needed sooner than expected",
  "No room right now, sorry",
  "Not the right area for me; try someone in product",
  "Moving teams next month"
]

interface MentorInfo {
  readonly id: UserId
  areas: Array<Area>
}

interface Engagement {
  readonly id: EngagementId
  readonly mentor: MentorInfo
  readonly menteeId: UserId
  readonly initiator: "mentee" | "mentor"
  readonly goals: number
  status: "pending" | "live" | "closed" | "over"
  expiresAt: number
  agreedAt: number
  endsAt: number
  minutes: number
  held: number
}

const infrastructure = new Set(["WrongExpectedVersion", "InvalidStoreData", "StoreError"])

/** Simulates a programme until the log holds at least `events` events. */
export const generate = async (events: number, seed = 20_240_601): Promise<Log> => {
  const started = performance.now()
  const start = Date.UTC(2025, 0, 6, 9, 0, 0)
  const clock = SimulatedClock.make(start)
  const runtime = ManagedRuntime.make(
    Stint.layer().pipe(
      Layer.provideMerge(MemoryEventStore.layerMemory),
      Layer.provideMerge(Policy.layerDefault),
      Layer.provideMerge(SimulatedClock.layer(clock))
    )
  )
  try {
    const rng = random(seed)
    // Sized for about 15 events per engagement and 12 engagements per mentor; the programme runs on
    // until the log is long enough either way.
    const expected = Math.max(40, Math.ceil(events / 15))
    const mentors: Array<MentorInfo> = Array.from({ length: Math.max(8, Math.round(expected / 12)) }, (_, i) => ({
      id: UserId.make(`mentor-${i}`),
      areas: []
    }))
    const mentees = Array.from({ length: Math.max(24, Math.round(expected / 2.5)) }, (_, i) =>
      UserId.make(`mentee-${i}`)
    )
    // About one live engagement per mentor at a time, each lasting some 25 days.
    const meanArrival = (25 * day) / mentors.length
    const refused = new Map<string, number>()
    let accepted = 0
    let written = 0
    let engagements = 0

    const program = Effect.gen(function* () {
      const stint = yield* Stint.Stint
      const agenda = new Agenda<() => Effect.Effect<void>>()
      const after = (delay: number, step: () => Effect.Effect<void>) => agenda.add(clock.now() + delay, step)
      const at = (millis: number, step: () => Effect.Effect<void>) => agenda.add(millis, step)

      /** Executes a command; a refusal is counted and comes back as undefined. */
      const exec = (command: Command, actor: Actor.Actor): Effect.Effect<CommandResult | undefined> =>
        stint.execute(command, { actor }).pipe(
          Effect.map((result) => {
            accepted++
            written += result.events.length
            return result
          }),
          Effect.catchIf(
            (error) => !infrastructure.has(error._tag),
            (refusal) =>
              Effect.sync(() => {
                refused.set(refusal._tag, (refused.get(refusal._tag) ?? 0) + 1)
                return undefined
              })
          ),
          Effect.orDie
        )
      const eventOf = <T extends Envelope["event"]["_tag"]>(
        result: CommandResult | undefined,
        tag: T
      ): Extract<Envelope["event"], { _tag: T }> | undefined =>
        result?.events.find((e) => e.event._tag === tag)?.event as Extract<Envelope["event"], { _tag: T }> | undefined
      const user = (id: UserId) => Actor.user(id)
      const partyOf = (e: Engagement, role: "mentee" | "mentor") => user(role === "mentee" ? e.menteeId : e.mentor.id)
      const millisOf = (time: DateTime.Utc) => DateTime.toEpochMillis(time)

      // ── engagement life ───────────────────────────────────────────────────────────────────────
      const expire = (e: Engagement) =>
        at(e.expiresAt + rng.between(1, 90) * minute, () =>
          e.status !== "pending"
            ? Effect.void
            : Effect.map(exec({ _tag: "ExpireRequest", engagementId: e.id }, Actor.system), () => {
                e.status = "over"
              })
        )

      const note = (e: Engagement, role: "mentee" | "mentor", visibility: "private" | "shared", session?: SessionId) =>
        Effect.asVoid(
          exec(
            {
              _tag: "AddNote",
              engagementId: e.id,
              noteId: NoteId.make(rng.uuid()),
              visibility,
              text: rng.pick(noteTexts),
              ...(session === undefined ? {} : { sessionId: session })
            },
            partyOf(e, role)
          )
        )

      const feedback = (e: Engagement, role: "mentee" | "mentor") =>
        Effect.asVoid(
          exec(
            {
              _tag: "GiveFeedback",
              engagementId: e.id,
              rating: rng.pick([5, 5, 5, 4, 4, 4, 3, 2, 1]),
              ...(rng.chance(0.5) ? { comment: "Clear, practical and kind. Would ask again." } : {})
            },
            partyOf(e, role)
          )
        )

      const close = (e: Engagement) =>
        Effect.gen(function* () {
          if (e.status !== "live") return
          const completed = e.held > 0 && rng.chance(0.9)
          const actor = completed
            ? partyOf(e, rng.chance(0.7) ? "mentor" : "mentee")
            : rng.chance(0.1)
              ? Actor.admin(UserId.make("admin-1"))
              : partyOf(e, rng.chance(0.5) ? "mentor" : "mentee")
          const result = yield* exec(
            completed
              ? { _tag: "CloseEngagement", engagementId: e.id, outcome: "completed" }
              : { _tag: "CloseEngagement", engagementId: e.id, outcome: "ended_early", reason: rng.pick(reasons) },
            actor
          )
          if (result === undefined) return
          e.status = "closed"
          if (rng.chance(0.8)) after(rng.between(1, 240) * hour, () => feedback(e, "mentee"))
          if (rng.chance(0.6)) after(rng.between(1, 240) * hour, () => feedback(e, "mentor"))
          if (rng.chance(0.15))
            after(rng.between(1, 72) * hour, () => note(e, rng.chance(0.5) ? "mentee" : "mentor", "private"))
        })

      const wrapUp = (e: Engagement) =>
        Effect.sync(() => {
          if (e.status !== "live") return
          if (e.held > 0) {
            for (let goal = 0; goal < e.goals; goal++) {
              const mentee = rng.next()
              const menteeSays = mentee < 0.6 ? "met" : mentee < 0.85 ? "partly_met" : "not_met"
              const mentorSays = rng.chance(0.8) ? menteeSays : rng.pick(["met", "partly_met", "not_met"] as const)
              after(goal * 10 * minute, () =>
                Effect.asVoid(
                  exec(
                    { _tag: "RecordGoalOutcome", engagementId: e.id, goalIndex: goal, outcome: menteeSays },
                    partyOf(e, "mentee")
                  )
                )
              )
              after(rng.between(2, 48) * hour, () =>
                Effect.asVoid(
                  exec(
                    { _tag: "RecordGoalOutcome", engagementId: e.id, goalIndex: goal, outcome: mentorSays },
                    partyOf(e, "mentor")
                  )
                )
              )
            }
          }
          after(rng.between(50, 96) * hour, () => close(e))
        })

      const session = (e: Engagement, last: boolean): Effect.Effect<void> =>
        Effect.gen(function* () {
          if (e.status !== "live") return
          const by = rng.chance(0.8) ? "mentor" : "mentee"
          const heldAt = Math.max(e.agreedAt + 1, clock.now() - rng.between(0, 120) * minute)
          const sessionId = SessionId.make(rng.uuid())
          const minutes = Math.min(60, Math.max(5, e.minutes + rng.pick([-10, -5, 0, 0, 0, 5, 10])))
          const result = yield* exec(
            { _tag: "RecordSession", engagementId: e.id, sessionId, heldAt: DateTime.unsafeMake(heldAt), minutes },
            partyOf(e, by)
          )
          if (result !== undefined) {
            e.held++
            if (rng.chance(0.6)) after(rng.between(1, 24) * hour, () => note(e, "mentor", "shared", sessionId))
            if (rng.chance(0.3)) after(rng.between(1, 24) * hour, () => note(e, "mentee", "private", sessionId))
            if (rng.chance(0.04)) {
              // Recorded wrongly: retracted within the correction window and recorded again.
              after(rng.between(1, 48) * hour, () =>
                Effect.gen(function* () {
                  const retracted = yield* exec(
                    { _tag: "RetractSession", engagementId: e.id, sessionId },
                    partyOf(e, by)
                  )
                  if (retracted === undefined) return
                  e.held--
                  const again = yield* exec(
                    {
                      _tag: "RecordSession",
                      engagementId: e.id,
                      sessionId: SessionId.make(rng.uuid()),
                      heldAt: DateTime.unsafeMake(heldAt + minute),
                      minutes
                    },
                    partyOf(e, by)
                  )
                  if (again !== undefined) e.held++
                })
              )
            }
          }
          if (!last) return
          if (rng.chance(0.12)) {
            after(day, () => extension(e))
          } else {
            after(rng.between(1, 4) * day, () => wrapUp(e))
          }
        })

      const extension = (e: Engagement) =>
        Effect.gen(function* () {
          const offered = yield* exec(
            {
              _tag: "OfferExtension",
              engagementId: e.id,
              additionalSessions: rng.chance(0.7) ? 1 : 2,
              additionalDays: rng.between(0, 14)
            },
            partyOf(e, "mentor")
          )
          if (offered === undefined) return yield* wrapUp(e)
          after(rng.between(1, 3) * day, () =>
            Effect.gen(function* () {
              if (rng.chance(0.3)) {
                yield* exec({ _tag: "DeclineExtension", engagementId: e.id }, partyOf(e, "mentee"))
                return yield* wrapUp(e)
              }
              const result = yield* exec({ _tag: "AcceptExtension", engagementId: e.id }, partyOf(e, "mentee"))
              const accepted = eventOf(result, "ExtensionAccepted")
              if (accepted !== undefined) e.endsAt = millisOf(accepted.endsAt)
              after(rng.between(2, 6) * day, () => session(e, false))
              after(rng.between(8, 12) * day, () => wrapUp(e))
            })
          )
        })

      // The deadline process elapses a time box still running at its end (later when an extension moved it).
      const elapse = (e: Engagement): void => {
        const due = e.endsAt
        at(due + rng.between(1, 120) * minute, () => {
          if (e.status !== "live") return Effect.void
          if (e.endsAt !== due) return Effect.sync(() => elapse(e))
          return Effect.asVoid(exec({ _tag: "ElapseTimeBox", engagementId: e.id }, Actor.system))
        })
      }

      const live = (e: Engagement, agreed: Extract<Envelope["event"], { _tag: "EngagementAgreed" }>) => {
        e.status = "live"
        e.agreedAt = millisOf(agreed.agreedAt)
        e.endsAt = millisOf(agreed.endsAt)
        e.minutes = agreed.scope.sessionMinutes
        const cap = agreed.scope.sessions
        const r = rng.next()
        const planned = r < 0.6 ? cap : r < 0.85 ? Math.max(1, cap - 1) : r < 0.95 ? Math.ceil(cap / 2) : 0
        // Some engagements run late: their last sessions fall after the time box, which then elapses.
        const span = (e.endsAt - e.agreedAt) * (rng.chance(0.15) ? 1.15 : 0.8)
        for (let i = 0; i < planned; i++) {
          at(e.agreedAt + Math.round((span * (i + 1)) / (planned + 1)), () => session(e, i === planned - 1))
        }
        if (planned === 0) at(e.agreedAt + rng.between(3, 10) * day, () => close(e))
        elapse(e)
      }

      const agree = (e: Engagement, by: "mentee" | "mentor") =>
        Effect.gen(function* () {
          const result = yield* exec({ _tag: "AgreeEngagement", engagementId: e.id }, partyOf(e, by))
          const agreed = eventOf(result, "EngagementAgreed")
          if (agreed !== undefined) return live(e, agreed)
          // At capacity or paused: the mentor says no, or the request is left to expire.
          if (by === "mentor" && rng.chance(0.7)) {
            const declined = yield* exec(
              { _tag: "DeclineEngagement", engagementId: e.id, reason: "No room right now, sorry" },
              partyOf(e, "mentor")
            )
            if (declined !== undefined) {
              e.status = "over"
              return
            }
          }
          expire(e)
        })

      const answer = (e: Engagement) =>
        Effect.gen(function* () {
          if (e.status !== "pending") return
          const responder = e.initiator === "mentee" ? "mentor" : "mentee"
          const r = rng.next()
          if (r < 0.05) return expire(e)
          if (r < 0.1) {
            const withdrawn = yield* exec({ _tag: "WithdrawRequest", engagementId: e.id }, partyOf(e, e.initiator))
            if (withdrawn !== undefined) e.status = "over"
            return
          }
          if (r < 0.2) {
            const declined = yield* exec(
              {
                _tag: "DeclineEngagement",
                engagementId: e.id,
                ...(rng.chance(0.5) ? { reason: rng.pick(reasons) } : {})
              },
              partyOf(e, responder)
            )
            if (declined !== undefined) e.status = "over"
            return
          }
          if (r < 0.32 && e.initiator === "mentee") {
            const result = yield* exec(
              {
                _tag: "CounterScope",
                engagementId: e.id,
                scope: { sessions: rng.between(1, 4), timeBoxDays: rng.pick([14, 21, 30]) }
              },
              partyOf(e, "mentor")
            )
            const countered = eventOf(result, "ScopeCountered")
            if (countered === undefined) return yield* agree(e, "mentor")
            e.expiresAt = millisOf(countered.expiresAt)
            after(rng.between(2, 72) * hour, () =>
              Effect.gen(function* () {
                const reply = rng.next()
                if (reply < 0.75) return yield* agree(e, "mentee")
                if (reply < 0.9) {
                  const declined = yield* exec({ _tag: "DeclineEngagement", engagementId: e.id }, partyOf(e, "mentee"))
                  if (declined !== undefined) e.status = "over"
                  return
                }
                expire(e)
              })
            )
            return
          }
          yield* agree(e, responder)
        })

      const open = () =>
        Effect.gen(function* () {
          engagements++
          const mentor = rng.pick(mentors)
          if (mentor.areas.length === 0) return
          const menteeId = rng.pick(mentees)
          const goals = Array.from(new Set(Array.from({ length: rng.between(1, 3) }, () => rng.pick(goalBank))))
          const scope = rng.chance(0.6)
            ? {}
            : {
                scope: {
                  sessions: rng.between(1, 6),
                  timeBoxDays: rng.pick([14, 21, 30, 45, 60]),
                  sessionMinutes: rng.pick([20, 30, 45, 60])
                }
              }
          const e: Engagement = {
            id: EngagementId.make(rng.uuid()),
            mentor,
            menteeId,
            initiator: rng.chance(0.1) ? "mentor" : "mentee",
            goals: goals.length,
            status: "pending",
            expiresAt: 0,
            agreedAt: 0,
            endsAt: 0,
            minutes: 20,
            held: 0
          }
          const common = { engagementId: e.id, area: rng.pick(mentor.areas), need: rng.pick(needs), goals, ...scope }
          const result = yield* e.initiator === "mentee"
            ? exec({ _tag: "RequestEngagement", mentorId: mentor.id, ...common }, user(menteeId))
            : exec({ _tag: "OfferEngagement", menteeId, ...common }, user(mentor.id))
          const requested = eventOf(result, "EngagementRequested")
          if (requested === undefined) return
          e.expiresAt = millisOf(requested.expiresAt)
          after(rng.between(1, 96) * hour, () => answer(e))
        })

      // ── the mentors' own changes ──────────────────────────────────────────────────────────────
      const mentorChange = () =>
        Effect.gen(function* () {
          const mentor = rng.pick(mentors)
          const r = rng.next()
          if (r < 0.4) {
            const paused = yield* exec({ _tag: "PauseMentoring", mentorId: mentor.id }, user(mentor.id))
            if (paused !== undefined) {
              after(rng.between(2, 14) * day, () =>
                Effect.asVoid(exec({ _tag: "ResumeMentoring", mentorId: mentor.id }, user(mentor.id)))
              )
            }
          } else if (r < 0.7) {
            yield* exec(
              {
                _tag: "ChangeCapacity",
                mentorId: mentor.id,
                capacity: { engagements: rng.between(2, 5), sessions: rng.between(6, 16) }
              },
              rng.chance(0.8) ? user(mentor.id) : Actor.admin(UserId.make("admin-1"))
            )
          } else {
            const next =
              mentor.areas.length > 1 && rng.chance(0.5)
                ? mentor.areas.slice(1)
                : Array.from(new Set([...mentor.areas, rng.pick(areas)]))
            const changed = yield* exec({ _tag: "ChangeExpertise", mentorId: mentor.id, areas: next }, user(mentor.id))
            if (changed !== undefined) mentor.areas = next
          }
        })

      const arrival = (): Effect.Effect<void> =>
        Effect.gen(function* () {
          after(Math.max(minute, Math.round(rng.exponential(meanArrival))), arrival)
          if (rng.chance(0.04)) after(rng.between(1, 600) * minute, mentorChange)
          yield* open()
        })

      // ── the programme ─────────────────────────────────────────────────────────────────────────
      for (const [i, mentor] of mentors.entries()) {
        const offered = Array.from(new Set(Array.from({ length: rng.between(1, 3) }, () => rng.pick(areas))))
        const capacity = rng.chance(0.3)
          ? { capacity: { engagements: rng.between(2, 5), sessions: rng.between(6, 16) } }
          : {}
        at(start + i * minute, () =>
          Effect.map(
            exec({ _tag: "RegisterMentor", mentorId: mentor.id, areas: offered, ...capacity }, user(mentor.id)),
            (r) => {
              if (r !== undefined) mentor.areas = offered
            }
          )
        )
      }
      for (const mentee of mentees) {
        if (!rng.chance(0.6)) continue
        const interests = Array.from(new Set(Array.from({ length: rng.between(1, 3) }, () => rng.pick(areas))))
        at(start + rng.between(1, 7 * 24 * 60) * minute, () =>
          Effect.asVoid(exec({ _tag: "DeclareInterests", areas: interests }, user(mentee)))
        )
      }
      at(start + day, arrival)

      while (written < events) {
        const next = agenda.next()
        if (next === undefined) break
        clock.set(next.at)
        yield* next.step()
      }
      const store = yield* EventStore
      return Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll())).slice()
    })

    const records = await runtime.runPromise(Effect.orDie(program))
    const types = new Map<string, number>()
    for (const record of records) types.set(record.type, (types.get(record.type) ?? 0) + 1)
    return {
      records,
      accepted,
      refused,
      engagements,
      mentors: mentors.length,
      mentees: mentees.length,
      types,
      simulatedDays: (clock.now() - start) / day,
      seconds: (performance.now() - started) / 1000
    }
  } finally {
    await runtime.dispose()
  }
}
