/**
 * The event feed as one viewer may see it (INV-16 on the live log). The rule, in one place:
 * - a user sees the streams they are a party to: their own mentor and mentee streams, and the
 *   engagements they are the mentee or the mentor of; a private note only when they wrote it;
 * - programme staff (admins and the system) see every stream, but no notes at all.
 * Hosts serve `Feed.events(viewer, …)` (the example server's SSE feed, `@stint/node`'s
 * `events({ as })`); `Stint.events` is the raw log, for operator tools only.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Actor } from "./store/Actor.js"
import type { EngagementId, UserId } from "./domain/Ids.js"
import type { Envelope } from "./handling/EventCodec.js"
import { Stint } from "./Stint.js"
import type { Checkpoint } from "./store/Checkpoint.js"
import type { InvalidStoreData, StoreError } from "./store/StoreError.js"
import * as StreamId from "./store/StreamId.js"

/** The two parties of an engagement: besides staff, the only ones who see its stream. */
export interface Parties {
  readonly menteeId: UserId
  readonly mentorId: UserId
}

/**
 * Whether `viewer` may see an event. `parties` are the engagement's for an event of an engagement
 * stream (undefined when the engagement is unknown: then no user sees it); other streams ignore them.
 */
export const visible = (viewer: Actor, envelope: Envelope, parties: Parties | undefined): boolean => {
  const { event, record } = envelope
  if (viewer._tag !== "User") return event._tag !== "NoteAdded"
  const me = viewer.userId
  const category = StreamId.category(record.streamId)
  if (category === "mentor" || category === "mentee") return StreamId.idOf(record.streamId) === me
  if (parties === undefined || (parties.menteeId !== me && parties.mentorId !== me)) return false
  if (event._tag === "NoteAdded" && event.visibility === "private") {
    return (event.author === "mentee" ? parties.menteeId : parties.mentorId) === me
  }
  return true
}

/** The parties of an engagement, from its stream (undefined when it does not exist). */
export const partiesOf = (
  engagementId: EngagementId
): Effect.Effect<Parties | undefined, InvalidStoreData | StoreError, Stint> =>
  Effect.flatMap(Stint, (stint) =>
    Effect.map(stint.engagement(engagementId), (e) =>
      e === undefined ? undefined : { menteeId: e.menteeId, mentorId: e.mentorId }
    )
  )

/**
 * Keeps the events of a stream that `viewer` may see. The parties of each engagement are read once
 * per stream (they never change once requested), and only when the viewer is a user.
 */
export const filter =
  (viewer: Actor) =>
  <E, R>(
    events: Stream.Stream<Envelope, E, R>
  ): Stream.Stream<Envelope, E | InvalidStoreData | StoreError, R | Stint> =>
    Stream.suspend(() => {
      // An engagement whose stream is empty is not kept: a request that arrives later is seen.
      const known = new Map<string, Parties>()
      const partiesFor = (envelope: Envelope) => {
        const streamId = envelope.record.streamId
        if (viewer._tag !== "User" || StreamId.category(streamId) !== "engagement") return Effect.succeed(undefined)
        const id = StreamId.idOf(streamId)
        const cached = known.get(id)
        if (cached !== undefined) return Effect.succeed(cached)
        return Effect.tap(partiesOf(id as EngagementId), (parties) => {
          if (parties !== undefined) known.set(id, parties)
        })
      }
      return Stream.filterEffect(events, (envelope) =>
        Effect.map(partiesFor(envelope), (parties) => visible(viewer, envelope, parties))
      )
    })

/** Where the feed starts, and whether it follows new events. */
export interface Options {
  /** Start after this checkpoint (default: the start of the log). */
  readonly from?: Checkpoint
  /** Keep following new events once caught up (default false: end at the head of the log). */
  readonly live?: boolean
}

/** The global log, decoded, as `viewer` may see it. */
export const events = (
  viewer: Actor,
  options: Options = {}
): Stream.Stream<Envelope, InvalidStoreData | StoreError, Stint> =>
  Stream.unwrap(Effect.map(Stint, (stint) => filter(viewer)(stint.events(options))))
