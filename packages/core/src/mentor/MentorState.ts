/** The state of a mentor stream: what the decider needs to guard capacity, availability and expertise. */
import type * as DateTime from "effect/DateTime"
import type { Area, EngagementId, UserId } from "../domain/Ids.js"
import type { Capacity } from "../domain/Policy.js"
import type { MentorEvent } from "./MentorEvent.js"

export interface Mentor {
  readonly mentorId: UserId
  readonly areas: ReadonlyArray<Area>
  readonly capacity: Capacity
  readonly paused: boolean
  /** Engagements holding a seat, with the sessions each commits. */
  readonly seats: ReadonlyMap<EngagementId, number>
  readonly registeredAt: DateTime.Utc
}

export type MentorState = Mentor | undefined

export const initial: MentorState = undefined

/** Sessions committed across all seats. */
export const committedSessions = (m: Mentor): number => {
  let n = 0
  for (const s of m.seats.values()) n += s
  return n
}

const update = (state: MentorState, f: (m: Mentor) => Mentor): MentorState => (state === undefined ? state : f(state))

const withSeat = (m: Mentor, id: EngagementId, sessions: number | undefined): Mentor => {
  const seats = new Map(m.seats)
  if (sessions === undefined) seats.delete(id)
  else seats.set(id, sessions)
  return { ...m, seats }
}

export const evolve = (state: MentorState, event: MentorEvent): MentorState => {
  switch (event._tag) {
    case "MentorRegistered":
      return {
        mentorId: event.mentorId,
        areas: event.areas,
        capacity: event.capacity,
        paused: false,
        seats: new Map(),
        registeredAt: event.registeredAt
      }
    case "ExpertiseChanged":
      return update(state, (m) => ({ ...m, areas: event.areas }))
    case "CapacityChanged":
      return update(state, (m) => ({ ...m, capacity: event.capacity }))
    case "MentoringPaused":
      return update(state, (m) => ({ ...m, paused: true }))
    case "MentoringResumed":
      return update(state, (m) => ({ ...m, paused: false }))
    case "SeatReserved":
    case "SeatAdjusted":
      return update(state, (m) => withSeat(m, event.engagementId, event.sessions))
    case "SeatReleased":
      return update(state, (m) => withSeat(m, event.engagementId, undefined))
  }
}

export const fold = (events: Iterable<MentorEvent>, from: MentorState = initial): MentorState => {
  let state = from
  for (const event of events) state = evolve(state, event)
  return state
}
