/** The state of a mentee stream: the request ledger that guards open requests, pairs and cooldowns. */
import * as DateTime from "effect/DateTime"
import type { Area, EngagementId, UserId } from "../domain/Ids.js"
import type { Initiator } from "../domain/Party.js"
import type { MenteeEvent } from "./MenteeEvent.js"

export interface LiveEntry {
  readonly mentorId: UserId
  readonly area: Area
  readonly initiator: Initiator
  /** Still waiting for an answer (counts against the open-request limit when the mentee asked). */
  readonly pending: boolean
}

export interface Cooldown {
  readonly mentorId: UserId
  readonly area: Area
  readonly until: DateTime.Utc
}

/** A mentee stream never needs registering: it starts empty. */
export interface Mentee {
  /** Engagements that are pending or agreed and not closed. */
  readonly live: ReadonlyMap<EngagementId, LiveEntry>
  readonly cooldowns: ReadonlyArray<Cooldown>
  readonly interests: ReadonlyArray<Area>
}

export const initial: Mentee = { live: new Map(), cooldowns: [], interests: [] }

/** Requests the mentee made that still wait for an answer. */
export const openRequests = (m: Mentee): number => {
  let n = 0
  for (const e of m.live.values()) if (e.pending && e.initiator === "mentee") n++
  return n
}

/** The live engagement with this mentor, if any (INV-10: at most one). */
export const liveWith = (m: Mentee, mentorId: UserId): EngagementId | undefined => {
  for (const [id, e] of m.live) if (e.mentorId === mentorId) return id
  return undefined
}

/** The latest cooldown for this mentor and area still running at `now`. */
export const cooldownAt = (m: Mentee, mentorId: UserId, area: Area, now: DateTime.Utc): Cooldown | undefined => {
  let found: Cooldown | undefined
  for (const c of m.cooldowns) {
    if (c.mentorId === mentorId && c.area === area && DateTime.lessThan(now, c.until)) {
      if (found === undefined || DateTime.greaterThan(c.until, found.until)) found = c
    }
  }
  return found
}

export const evolve = (state: Mentee, event: MenteeEvent): Mentee => {
  switch (event._tag) {
    case "RequestOpened": {
      const live = new Map(state.live)
      live.set(event.engagementId, {
        mentorId: event.mentorId,
        area: event.area,
        initiator: event.initiator,
        pending: true
      })
      return { ...state, live }
    }
    case "RequestResolved": {
      const live = new Map(state.live)
      const entry = live.get(event.engagementId)
      if (event.resolution === "agreed" && entry !== undefined)
        live.set(event.engagementId, { ...entry, pending: false })
      else live.delete(event.engagementId)
      return { ...state, live }
    }
    case "CooldownStarted": {
      const live = new Map(state.live)
      live.delete(event.engagementId)
      // Only cooldowns that can still matter are kept; the stream keeps the history.
      const cooldowns = [
        ...state.cooldowns.filter((c) => DateTime.greaterThan(c.until, event.closedAt)),
        { mentorId: event.mentorId, area: event.area, until: event.until }
      ]
      return { ...state, live, cooldowns }
    }
    case "InterestsDeclared":
      return { ...state, interests: event.areas }
  }
}

export const fold = (events: Iterable<MenteeEvent>, from: Mentee = initial): Mentee => {
  let state = from
  for (const event of events) state = evolve(state, event)
  return state
}
