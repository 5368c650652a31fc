/**
 * The like-for-like workload every store runs: N engagements, each driven through six commands —
 * request, agree, session held, session held, goal met, closed — where each command reads its
 * engagement stream, folds it, decides with the tiny pure decider below, and appends exactly one event
 * with the version it read. Raw drivers, Emmett and Stint's store port all write these same six events
 * with the same payloads, so the only difference between them is the store.
 */
import { randomUUID } from "node:crypto"
import * as Policy from "@stint/core/Policy"

/** One engagement of the workload: its own stream, and the two parties named in its events. */
export interface Engagement {
  readonly index: number
  readonly id: string
  readonly streamId: string
  readonly mentorId: string
  readonly menteeId: string
}

/** The six commands of the command path, in the order each engagement receives them. */
export const commands = ["Request", "Agree", "HoldSession", "HoldSession", "MeetGoal", "Close"] as const
export type CommandName = (typeof commands)[number]

/** Commands (and events) per engagement on the like-for-like path. */
export const commandsPerEngagement = commands.length

/** An event as the decider emits it: a type and a JSON payload. */
export interface NewEvent {
  readonly type: string
  readonly data: Readonly<Record<string, unknown>>
}

/** What the decider needs of a stream: where the engagement is in its lifecycle. */
export interface State {
  readonly status: "none" | "requested" | "active" | "closed"
  readonly sessions: number
  readonly goalMet: boolean
}

export const initial: State = { status: "none", sessions: 0, goalMet: false }

/** Folds one stored event (by type) into the state. */
export const evolve = (state: State, type: string): State => {
  switch (type) {
    case "EngagementRequested":
      return { ...state, status: "requested" }
    case "EngagementAgreed":
      return { ...state, status: "active" }
    case "SessionHeld":
      return { ...state, sessions: state.sessions + 1 }
    case "GoalMet":
      return { ...state, goalMet: true }
    case "EngagementClosed":
      return { ...state, status: "closed" }
    default:
      return state
  }
}

/** Folds a stream's event types. */
export const fold = (types: Iterable<string>): State => {
  let state = initial
  for (const type of types) state = evolve(state, type)
  return state
}

/** A command the state does not allow: a bug in a store (a lost or duplicated event), never expected. */
export class Refused extends Error {
  constructor(command: CommandName, state: State) {
    super(`${command} refused in state ${JSON.stringify(state)}: the store lost or duplicated an event`)
  }
}

// The policy every request carries, as Stint's EngagementRequested does: the same payload size.
const policy = Policy.defaults

/** The need every request states (about the length of a real one). */
export const need =
  "I am preparing my first conference talk on event sourcing and want feedback on the outline, the live demo and how to pace the questions at the end."

/** The one goal every engagement has. */
export const goal = {
  statement: "Give the talk at the meetup with a demo that works",
  successCriterion: "The talk fits in 25 minutes and the demo runs end to end"
}

/** The area every engagement is about. */
export const area = "public speaking"

const iso = (ms: number) => new Date(ms).toISOString()
const day = 86_400_000

/**
 * The pure decider: the one event a command writes, given the stream's state, or `Refused`. Payloads
 * copy the shape (and so the size) of Stint's own events for the same step.
 */
export const decide = (command: CommandName, state: State, engagement: Engagement, now: number): NewEvent | Refused => {
  switch (command) {
    case "Request":
      if (state.status !== "none") return new Refused(command, state)
      return {
        type: "EngagementRequested",
        data: {
          engagementId: engagement.id,
          menteeId: engagement.menteeId,
          mentorId: engagement.mentorId,
          initiator: "mentee",
          area,
          need,
          goals: [goal],
          ask: { sessions: 2, timeBoxDays: 30, sessionMinutes: 20 },
          policy,
          requestedAt: iso(now),
          expiresAt: iso(now + 7 * day)
        }
      }
    case "Agree":
      if (state.status !== "requested") return new Refused(command, state)
      return {
        type: "EngagementAgreed",
        data: {
          scope: { sessions: 2, timeBoxDays: 30, sessionMinutes: 20 },
          agreedBy: "mentor",
          agreedAt: iso(now),
          endsAt: iso(now + 30 * day)
        }
      }
    case "HoldSession":
      if (state.status !== "active" || state.sessions >= 2) return new Refused(command, state)
      return {
        type: "SessionHeld",
        data: {
          sessionId: randomUUID(),
          heldAt: iso(now),
          minutes: 20,
          recordedBy: "mentor",
          recordedAt: iso(now)
        }
      }
    case "MeetGoal":
      if (state.status !== "active" || state.sessions === 0 || state.goalMet) return new Refused(command, state)
      return { type: "GoalMet", data: { goalIndex: 0, metAt: iso(now) } }
    case "Close":
      if (state.status !== "active") return new Refused(command, state)
      return {
        type: "EngagementClosed",
        data: {
          outcome: "completed",
          closedBy: { _tag: "User", userId: engagement.mentorId },
          closedAt: iso(now)
        }
      }
  }
}

/** The metadata every store keeps beside an event (Stint's store builds its own of the same shape). */
export const metadataOf = (engagement: Engagement, commandId: string, now: number) => ({
  actor: { _tag: "User", userId: engagement.mentorId },
  commandId,
  correlationId: commandId,
  causationId: commandId,
  schemaVersion: 1,
  recordedAt: iso(now)
})

/** Mentors per loop: each loop has its own mentors, so loops never contend on a mentor stream. */
export const mentorsPerLoop = 8
/** The number of command loops in the concurrent scenario. */
export const concurrentLoops = 8

/** `count` engagements with fresh ids; `label` keeps warm-up parties apart from measured ones. */
export const engagements = (count: number, label: string): ReadonlyArray<Engagement> =>
  Array.from({ length: count }, (_, index) => {
    const id = randomUUID()
    return {
      index,
      id,
      streamId: `engagement-${id}`,
      // Engagement i runs on loop i mod 8 and its mentor is i mod 64: each loop owns its mentors.
      mentorId: `${label}-mentor-${index % (mentorsPerLoop * concurrentLoops)}`,
      // One mentee per engagement: no cooldown or one-live-engagement-per-pair refusal can apply.
      menteeId: `${label}-mentee-${index}`
    }
  })

/** Splits engagements over `loops` loops: engagement i goes to loop i mod loops. */
export const split = <A extends { readonly index: number }>(
  items: ReadonlyArray<A>,
  loops: number
): ReadonlyArray<ReadonlyArray<A>> => {
  const result: Array<Array<A>> = Array.from({ length: loops }, () => [])
  for (const item of items) result[item.index % loops]!.push(item)
  return result
}
