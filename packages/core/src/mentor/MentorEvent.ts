/**
 * The events of a mentor stream: expertise, capacity, availability and the seat ledger — which
 * engagements hold a seat and how many sessions are committed to them.
 */
import * as Schema from "effect/Schema"
import { Actor } from "../store/Actor.js"
import { Area, EngagementId, UserId } from "../domain/Ids.js"
import { Capacity } from "../domain/Policy.js"

const Time = Schema.DateTimeUtc

/** One to twenty areas of expertise. */
export const Areas = Schema.Array(Area).pipe(Schema.minItems(1), Schema.maxItems(20))

export const MentorRegistered = Schema.TaggedStruct("MentorRegistered", {
  mentorId: UserId,
  areas: Areas,
  capacity: Capacity,
  registeredAt: Time
})

export const ExpertiseChanged = Schema.TaggedStruct("ExpertiseChanged", {
  areas: Areas,
  changedAt: Time
})

export const CapacityChanged = Schema.TaggedStruct("CapacityChanged", {
  capacity: Capacity,
  changedBy: Actor,
  changedAt: Time
})

export const MentoringPaused = Schema.TaggedStruct("MentoringPaused", { pausedAt: Time })
export const MentoringResumed = Schema.TaggedStruct("MentoringResumed", { resumedAt: Time })

export const SeatReserved = Schema.TaggedStruct("SeatReserved", {
  engagementId: EngagementId,
  sessions: Schema.Int,
  reservedAt: Time
})

/** An accepted extension changes how many sessions the engagement's seat commits. */
export const SeatAdjusted = Schema.TaggedStruct("SeatAdjusted", {
  engagementId: EngagementId,
  sessions: Schema.Int,
  adjustedAt: Time
})

export const SeatReleased = Schema.TaggedStruct("SeatReleased", {
  engagementId: EngagementId,
  releasedAt: Time
})

export const MentorEvent = Schema.Union(
  MentorRegistered,
  ExpertiseChanged,
  CapacityChanged,
  MentoringPaused,
  MentoringResumed,
  SeatReserved,
  SeatAdjusted,
  SeatReleased
)
export type MentorEvent = typeof MentorEvent.Type
