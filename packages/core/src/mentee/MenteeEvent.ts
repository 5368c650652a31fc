/**
 * The events of a mentee stream: the request ledger (open requests, live engagement per mentor,
 * cooldowns) and the areas the mentee wants help in.
 */
import * as Schema from "effect/Schema"
import { Area, EngagementId, UserId } from "../domain/Ids.js"
import { Initiator } from "../domain/Party.js"

const Time = Schema.DateTimeUtc

export const RequestOpened = Schema.TaggedStruct("RequestOpened", {
  engagementId: EngagementId,
  mentorId: UserId,
  area: Area,
  initiator: Initiator,
  openedAt: Time
})

export const RequestResolved = Schema.TaggedStruct("RequestResolved", {
  engagementId: EngagementId,
  resolution: Schema.Literal("agreed", "declined", "withdrawn", "expired"),
  resolvedAt: Time
})

/** The engagement closed; the pair is free again, and the mentee waits before re-asking in this area. */
export const CooldownStarted = Schema.TaggedStruct("CooldownStarted", {
  engagementId: EngagementId,
  mentorId: UserId,
  area: Area,
  closedAt: Time,
  until: Time
})

export const InterestsDeclared = Schema.TaggedStruct("InterestsDeclared", {
  areas: Schema.Array(Area).pipe(Schema.maxItems(20)),
  declaredAt: Time
})

export const MenteeEvent = Schema.Union(RequestOpened, RequestResolved, CooldownStarted, InterestsDeclared)
export type MenteeEvent = typeof MenteeEvent.Type
