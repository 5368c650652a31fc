/**
 * fast-check arbitraries for command sequences over a small universe: 3 mentors (registered at the
 * start), 4 mentees, an admin, a stranger and the system; a pool of engagement and session ids. A
 * step is a command template, a symbolic actor (weighted toward the right party) and a clock advance;
 * `play` materialises the templates against a `World` (so session times are relative to its clock).
 */
import * as Actor from "@stint/core/Actor"
import type { Command, ScopeInput } from "@stint/core/Command"
import { Area, EngagementId, NoteId, SessionId, UserId } from "@stint/core/Ids"
import * as Policy from "@stint/core/Policy"
import type { Capacity } from "@stint/core/Policy"
import type { Goal } from "@stint/core/Scope"
import * as EngagementState from "@stint/core/EngagementState"
import * as DateTime from "effect/DateTime"
import * as fc from "fast-check"
import * as World from "./World.js"

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour

export const mentorIds = [UserId.make("mentor-1"), UserId.make("mentor-2"), UserId.make("mentor-3")] as const
export const menteeIds = [
  UserId.make("mentee-1"),
  UserId.make("mentee-2"),
  UserId.make("mentee-3"),
  UserId.make("mentee-4")
] as const
export const adminId = UserId.make("admin")
export const strangerId = UserId.make("stranger")
export const stranger = Actor.user(strangerId)
export const admin = Actor.admin(adminId)

export const allAreas = [Area.make("typescript"), Area.make("design"), Area.make("sales"), Area.make("leadership")]
/** An area no mentor ever offers. */
export const unknownArea = Area.make("cooking")

const uuid = (n: number, prefix: string) => `${prefix}${n}000000-0000-4000-8000-00000000000${n}`
export const engagementIds = [1, 2, 3, 4, 5].map((n) => EngagementId.make(uuid(n, "e")))
export const sessionIds = [1, 2, 3, 4, 5, 6].map((n) => SessionId.make(uuid(n, "a")))
export const noteIds = [1, 2, 3].map((n) => NoteId.make(uuid(n, "b")))

/** The start of every generated history. */
export const start: DateTime.Utc = DateTime.unsafeMake("2026-01-05T09:00:00.000Z") as DateTime.Utc

// ── universe ─────────────────────────────────────────────────────────────────────────────────

export interface MentorSetup {
  readonly areas: ReadonlyArray<Area>
  readonly capacity: Capacity
}

export const capacity: fc.Arbitrary<Capacity> = fc.record({
  engagements: fc.integer({ min: 1, max: 4 }),
  sessions: fc.integer({ min: 2, max: 12 })
})

export const mentorSetup: fc.Arbitrary<MentorSetup> = fc.record({
  areas: fc.subarray(allAreas, { minLength: 1 }),
  capacity
})

export const universe: fc.Arbitrary<ReadonlyArray<MentorSetup>> = fc.tuple(mentorSetup, mentorSetup, mentorSetup)

// ── templates ────────────────────────────────────────────────────────────────────────────────

const weighted = <T>(...arbs: ReadonlyArray<readonly [number, fc.Arbitrary<T>]>): fc.Arbitrary<T> =>
  fc.oneof(...arbs.map(([weight, arbitrary]) => ({ weight, arbitrary })))

const sessions = weighted([8, fc.integer({ min: 1, max: 6 })], [1, fc.integer({ min: 0, max: 8 })])
const days = weighted([8, fc.integer({ min: 1, max: 90 })], [1, fc.integer({ min: 0, max: 100 })])
const minutes = weighted([8, fc.integer({ min: 5, max: 60 })], [1, fc.integer({ min: 0, max: 70 })])

export const scope: fc.Arbitrary<ScopeInput | undefined> = weighted(
  [3, fc.constant(undefined)],
  [
    4,
    fc.record(
      { sessions, timeBoxDays: days, sessionMinutes: minutes },
      { requiredKeys: [] }
    ) as fc.Arbitrary<ScopeInput>
  ]
)

const goal: fc.Arbitrary<Goal> = weighted<Goal>(
  [12, fc.constant({ statement: "Ship the thing", successCriterion: "It is shipped" })],
  [1, fc.constant({ statement: " ", successCriterion: "It is shipped" })]
)
export const goals: fc.Arbitrary<ReadonlyArray<Goal>> = weighted(
  [10, goal.map((g) => [g])],
  [5, fc.array(goal, { minLength: 1, maxLength: 3 })],
  [1, fc.array(goal, { minLength: 0, maxLength: 4 })]
)

const ix = (n: number) => fc.nat(n - 1)
/** Mostly an engagement that exists (see `engagementIdFor`); the last index is any id of the pool. */
const engagementIx = weighted([10, ix(engagementIds.length - 1)], [1, fc.constant(engagementIds.length - 1)])

export type Template =
  | {
      readonly _tag: "Request" | "Offer"
      readonly e: number
      readonly mentor: number
      readonly mentee: number
      readonly self: boolean
      /** An index into the mentor's current areas, or (when `anyArea`) into all areas plus an unknown one. */
      readonly area: number
      readonly anyArea: boolean
      readonly goals: ReadonlyArray<Goal>
      readonly scope: ScopeInput | undefined
    }
  | { readonly _tag: "Counter"; readonly e: number; readonly scope: ScopeInput | undefined }
  | {
      readonly _tag: "Agree" | "Decline" | "Withdraw" | "Expire" | "AcceptExtension" | "DeclineExtension" | "Elapse"
      readonly e: number
    }
  | {
      readonly _tag: "Record"
      readonly e: number
      readonly session: number
      readonly heldAgo: number
      readonly minutes: number
    }
  | { readonly _tag: "Retract"; readonly e: number; readonly session: number }
  | { readonly _tag: "Note"; readonly e: number; readonly note: number; readonly shared: boolean }
  | { readonly _tag: "OfferExtension"; readonly e: number; readonly sessions: number; readonly days: number }
  | { readonly _tag: "Goal"; readonly e: number; readonly goal: number; readonly met: boolean }
  | { readonly _tag: "Close"; readonly e: number; readonly completed: boolean; readonly reason: boolean }
  | { readonly _tag: "Feedback"; readonly e: number; readonly rating: number }
  | {
      readonly _tag: "ChangeCapacity" | "Pause" | "Resume" | "ChangeExpertise"
      readonly mentor: number
      readonly capacity: Capacity
      readonly areas: ReadonlyArray<Area>
    }

/** How long before `now` a session was held: usually minutes to days; sometimes in the future or long ago. */
const heldAgo = weighted(
  [10, fc.integer({ min: 1, max: 120 }).map((n) => n * minute)],
  [3, fc.integer({ min: 1, max: 3 * day })],
  [1, fc.integer({ min: -3 * day, max: 0 })],
  [1, fc.integer({ min: 20 * day, max: 60 * day })]
)

const rarely = weighted([20, fc.constant(false)], [1, fc.constant(true)])

const opener = (tag: "Request" | "Offer"): fc.Arbitrary<Template> =>
  fc.record({
    _tag: fc.constant(tag),
    e: engagementIx,
    mentor: ix(3),
    mentee: ix(4),
    self: rarely,
    area: fc.nat(4),
    anyArea: rarely,
    goals,
    scope
  })

type SimpleTag = "Agree" | "Decline" | "Withdraw" | "Expire" | "AcceptExtension" | "DeclineExtension" | "Elapse"
const simple = (tag: SimpleTag): fc.Arbitrary<Template> => fc.record({ _tag: fc.constant(tag), e: engagementIx })

export const template: fc.Arbitrary<Template> = weighted<Template>(
  [4, opener("Request")],
  [1, opener("Offer")],
  [2, fc.record({ _tag: fc.constant("Counter" as const), e: engagementIx, scope })],
  [8, simple("Agree")],
  [1, simple("Decline")],
  [1, simple("Withdraw")],
  [2, simple("Expire")],
  [
    8,
    fc.record({
      _tag: fc.constant("Record" as const),
      e: engagementIx,
      session: ix(sessionIds.length),
      heldAgo,
      minutes
    })
  ],
  [2, fc.record({ _tag: fc.constant("Retract" as const), e: engagementIx, session: ix(sessionIds.length) })],
  [
    1,
    fc.record({ _tag: fc.constant("Note" as const), e: engagementIx, note: ix(noteIds.length), shared: fc.boolean() })
  ],
  [
    2,
    fc.record({
      _tag: fc.constant("OfferExtension" as const),
      e: engagementIx,
      sessions: weighted([6, fc.integer({ min: 0, max: 3 })], [1, fc.integer({ min: 0, max: 8 })]),
      days: weighted([6, fc.integer({ min: 0, max: 14 })], [1, fc.integer({ min: 0, max: 100 })])
    })
  ],
  [3, simple("AcceptExtension")],
  [1, simple("DeclineExtension")],
  [2, simple("Elapse")],
  [
    5,
    fc.record({
      _tag: fc.constant("Goal" as const),
      e: engagementIx,
      goal: weighted([8, fc.constant(0)], [4, fc.integer({ min: 0, max: 2 })], [1, fc.integer({ min: 0, max: 4 })]),
      met: weighted([3, fc.constant(true)], [1, fc.constant(false)])
    })
  ],
  [
    2,
    fc.record({ _tag: fc.constant("Close" as const), e: engagementIx, completed: fc.boolean(), reason: fc.boolean() })
  ],
  [
    1,
    fc.record({
      _tag: fc.constant("Feedback" as const),
      e: engagementIx,
      rating: weighted([6, fc.integer({ min: 1, max: 5 })], [1, fc.integer({ min: 0, max: 6 })])
    })
  ],
  [
    1,
    fc.record({
      _tag: fc.constantFrom("ChangeCapacity" as const, "Pause" as const, "Resume" as const, "ChangeExpertise" as const),
      mentor: ix(3),
      capacity,
      areas: fc.subarray(allAreas, { minLength: 1 })
    })
  ]
)

/** Who issues a step, symbolically: resolved against the engagement when the step runs. */
export type ActorChoice = "right" | "other" | "stranger" | "admin" | "system"

export const actorChoice: fc.Arbitrary<ActorChoice> = weighted<ActorChoice>(
  [16, fc.constant("right")],
  [2, fc.constant("other")],
  [1, fc.constant("stranger")],
  [1, fc.constant("admin")],
  [1, fc.constant("system")]
)

/** How far the clock moves before a step, in milliseconds. */
export const clockAdvance: fc.Arbitrary<number> = weighted(
  [6, fc.constant(0)],
  [6, fc.integer({ min: 1, max: 59 }).map((n) => n * minute)],
  [6, fc.integer({ min: 1, max: 23 }).map((n) => n * hour)],
  [3, fc.integer({ min: 1, max: 6 }).map((n) => n * day)],
  [1, fc.integer({ min: 8, max: 40 }).map((n) => n * day)]
)

export interface Step {
  readonly template: Template
  readonly actor: ActorChoice
  readonly advance: number
}

export const step: fc.Arbitrary<Step> = fc.record({ template, actor: actorChoice, advance: clockAdvance })

export interface Scenario {
  readonly mentors: ReadonlyArray<MentorSetup>
  readonly steps: ReadonlyArray<Step>
}

/** A step of a cooperative run: almost always the right party, and time moving slowly. */
export const focusedStep: fc.Arbitrary<Step> = fc.record({
  template,
  actor: weighted<ActorChoice>([40, fc.constant("right")], [1, fc.constant("other")], [1, fc.constant("stranger")]),
  advance: weighted(
    [4, fc.constant(0)],
    [4, fc.integer({ min: 1, max: 59 }).map((n) => n * minute)],
    [4, fc.integer({ min: 1, max: 23 }).map((n) => n * hour)],
    [1, fc.integer({ min: 1, max: 3 }).map((n) => n * day)]
  )
})

/** Half the scenarios are chaotic, half cooperative (so deep states such as met goals are reached). */
export const scenario = (options: { readonly minSteps?: number; readonly maxSteps?: number } = {}) => {
  const constraints = { minLength: options.minSteps ?? 5, maxLength: options.maxSteps ?? 60, size: "max" } as const
  return fc.record({
    mentors: universe,
    steps: fc.oneof(
      fc.array(step, constraints),
      // cooperative runs start with a request or offer, so later steps have something to act on
      fc
        .tuple(
          fc.record({ template: opener("Request"), actor: fc.constant<ActorChoice>("right"), advance: fc.constant(0) }),
          fc.array(focusedStep, constraints)
        )
        .map(([first, rest]) => [first, ...rest])
    )
  }) as fc.Arbitrary<Scenario>
}

// ── materialising ────────────────────────────────────────────────────────────────────────────

/**
 * The engagement a template is about: openers mostly take a fresh id (index 0 may collide with an
 * existing one); other commands mostly target an engagement that exists.
 */
export const engagementIdFor = (world: World.World, t: Template): EngagementId => {
  if (!("e" in t)) return engagementIds[0]!
  if (t._tag === "Request" || t._tag === "Offer") {
    const fresh = engagementIds.find((id) => !world.engagements.has(id))
    return t.e === 0 || fresh === undefined ? engagementIds[t.e]! : fresh
  }
  const existing = engagementIds.filter((id) => world.engagements.has(id))
  if (existing.length === 0 || t.e === engagementIds.length - 1) return engagementIds[t.e]!
  // Mostly the newest engagement still open, so sequences go deep rather than wide.
  const open = existing.filter((id) => {
    const e = World.engagement(world, id)
    return e !== undefined && !EngagementState.isTerminal(e.status)
  })
  return t.e <= 2 && open.length > 0 ? open[open.length - 1]! : existing[t.e % existing.length]!
}

const areaFor = (
  world: World.World,
  t: { readonly area: number; readonly anyArea: boolean },
  mentorId: UserId
): Area => {
  const offered = World.mentor(world, mentorId)?.areas ?? []
  if (t.anyArea || offered.length === 0) return [...allAreas, unknownArea][t.area]!
  return offered[t.area % offered.length]!
}

/** The right party of a template for a given engagement (or the template's own parties when none). */
const resolveActor = (world: World.World, t: Template, choice: ActorChoice, flip: boolean): Actor.Actor => {
  // A stranger who asks becomes a party; on an opener the odd actor is the admin instead.
  if (choice === "stranger") return t._tag === "Request" || t._tag === "Offer" ? admin : stranger
  if (choice === "admin") return admin
  if (choice === "system") return Actor.system
  if (!("e" in t)) {
    const own = mentorIds[t.mentor]!
    return Actor.user(choice === "right" ? own : mentorIds[(t.mentor + 1) % 3]!)
  }
  if (t._tag === "Request" || t._tag === "Offer") {
    const mentorId = mentorIds[t.mentor]!
    const menteeId = menteeIds[t.mentee]!
    const asker = t._tag === "Request" ? (t.self ? mentorId : menteeId) : mentorId
    const other = t._tag === "Request" ? mentorId : menteeId
    return Actor.user(choice === "right" ? asker : other)
  }
  const e = World.engagement(world, engagementIdFor(world, t))
  if (e === undefined) return Actor.user(menteeIds[t.e % 4]!)
  if (t._tag === "Expire" || t._tag === "Elapse")
    return choice === "right" ? Actor.system : Actor.user(flip ? e.menteeId : e.mentorId)
  const byRole = (role: "mentee" | "mentor") => Actor.user(role === "mentee" ? e.menteeId : e.mentorId)
  const otherRole = (role: "mentee" | "mentor") => (role === "mentee" ? "mentor" : "mentee")
  let right: "mentee" | "mentor"
  switch (t._tag) {
    case "Counter":
    case "OfferExtension":
      right = "mentor"
      break
    case "AcceptExtension":
    case "DeclineExtension":
      right = "mentee"
      break
    case "Agree":
    case "Decline":
      right = EngagementState.partyToAnswer(e)
      break
    case "Withdraw":
      right = e.initiator
      break
    case "Retract": {
      const target = retractTarget(world, t, e.engagementId)
      right = e.sessions.find((x) => x.sessionId === target)?.recordedBy ?? (flip ? "mentee" : "mentor")
      break
    }
    default:
      right = flip ? "mentee" : "mentor"
  }
  return byRole(choice === "right" ? right : otherRole(right))
}

/** A session the engagement recorded (the last index means any id from the pool). */
const retractTarget = (world: World.World, t: { readonly session: number }, id: EngagementId): SessionId => {
  const recorded = World.engagement(world, id)?.sessions ?? []
  return recorded.length === 0 || t.session === sessionIds.length - 1
    ? sessionIds[t.session]!
    : recorded[t.session % recorded.length]!.sessionId
}

/** The command a template stands for at the world's current time. */
export const materialise = (world: World.World, t: Template): Command => {
  const engagementId = engagementIdFor(world, t)
  switch (t._tag) {
    case "Request":
      return {
        _tag: "RequestEngagement",
        engagementId,
        mentorId: mentorIds[t.mentor]!,
        area: areaFor(world, t, mentorIds[t.mentor]!),
        need: "Help with one specific thing",
        goals: t.goals,
        ...(t.scope === undefined ? {} : { scope: t.scope })
      }
    case "Offer":
      return {
        _tag: "OfferEngagement",
        engagementId,
        menteeId: t.self ? mentorIds[t.mentor]! : menteeIds[t.mentee]!,
        area: areaFor(world, t, mentorIds[t.mentor]!),
        need: "A follow-up",
        goals: t.goals,
        ...(t.scope === undefined ? {} : { scope: t.scope })
      }
    case "Counter":
      return { _tag: "CounterScope", engagementId, scope: t.scope ?? {} }
    case "Agree":
      return { _tag: "AgreeEngagement", engagementId }
    case "Decline":
      return { _tag: "DeclineEngagement", engagementId }
    case "Withdraw":
      return { _tag: "WithdrawRequest", engagementId }
    case "Expire":
      return { _tag: "ExpireRequest", engagementId }
    case "AcceptExtension":
      return { _tag: "AcceptExtension", engagementId }
    case "DeclineExtension":
      return { _tag: "DeclineExtension", engagementId }
    case "Elapse":
      return { _tag: "ElapseTimeBox", engagementId }
    case "Record":
      return {
        _tag: "RecordSession",
        engagementId,
        sessionId: sessionIds[t.session]!,
        heldAt: DateTime.subtract(world.now, { millis: t.heldAgo }),
        minutes: t.minutes
      }
    case "Retract":
      return { _tag: "RetractSession", engagementId, sessionId: retractTarget(world, t, engagementId) }
    case "Note":
      return {
        _tag: "AddNote",
        engagementId,
        noteId: noteIds[t.note]!,
        visibility: t.shared ? "shared" : "private",
        text: "A note"
      }
    case "OfferExtension":
      return { _tag: "OfferExtension", engagementId, additionalSessions: t.sessions, additionalDays: t.days }
    case "Goal":
      return { _tag: "RecordGoalOutcome", engagementId, goalIndex: t.goal, outcome: t.met ? "met" : "partly_met" }
    case "Close":
      return t.completed
        ? { _tag: "CloseEngagement", engagementId, outcome: "completed" }
        : { _tag: "CloseEngagement", engagementId, outcome: "ended_early", ...(t.reason ? { reason: "No time" } : {}) }
    case "Feedback":
      return { _tag: "GiveFeedback", engagementId, rating: t.rating }
    case "ChangeCapacity":
      return { _tag: "ChangeCapacity", mentorId: mentorIds[t.mentor]!, capacity: t.capacity }
    case "Pause":
      return { _tag: "PauseMentoring", mentorId: mentorIds[t.mentor]! }
    case "Resume":
      return { _tag: "ResumeMentoring", mentorId: mentorIds[t.mentor]! }
    case "ChangeExpertise":
      return { _tag: "ChangeExpertise", mentorId: mentorIds[t.mentor]!, areas: t.areas }
  }
}

/** The command and actor of a step at the world's current time (after its clock advance). */
export const resolve = (
  world: World.World,
  s: Step,
  index = 0
): { readonly command: Command; readonly actor: Actor.Actor } => ({
  command: materialise(world, s.template),
  actor: resolveActor(world, s.template, s.actor, index % 2 === 0)
})

/** The registrations every scenario starts with. */
export const registrations = (
  mentors: ReadonlyArray<MentorSetup>
): ReadonlyArray<{ readonly command: Command; readonly actor: Actor.Actor }> =>
  mentors.map((m, i) => ({
    command: { _tag: "RegisterMentor", mentorId: mentorIds[i]!, areas: m.areas, capacity: m.capacity },
    actor: Actor.user(mentorIds[i]!)
  }))

/** The world with the universe registered. */
export const initialWorld = (
  mentors: ReadonlyArray<MentorSetup>,
  policy: Policy.Policy = Policy.defaults
): World.World => {
  let world = World.make(policy, start)
  for (const r of registrations(mentors)) world = World.step(world, r.command, r.actor).world
  return world
}

export interface Played {
  readonly initial: World.World
  readonly final: World.World
  readonly traces: ReadonlyArray<World.Trace>
}

/** Runs a scenario in a pure world, keeping a trace of every step. */
export const play = (s: Scenario, policy: Policy.Policy = Policy.defaults): Played => {
  const initial = initialWorld(s.mentors, policy)
  let world = initial
  const traces: Array<World.Trace> = []
  s.steps.forEach((st, i) => {
    world = World.advance(world, st.advance)
    const { command, actor } = resolve(world, st, i)
    const trace = World.stepTrace(world, command, actor)
    traces.push(trace)
    world = trace.after
  })
  return { initial, final: world, traces }
}
