/**
 * Deadlines: what falls due when, one document per engagement (keyed by its id) while something is
 * due. It is the input of the deadline process, which lists one kind through the `due` index with
 * `dueAt` before now and sends the command `commandFor` names:
 * - `request_expires` while requested or countered (`ExpireRequest`); a counter moves it;
 * - `time_box_ends` while active (`ElapseTimeBox`); an accepted extension moves it, and wrap-up (the
 *   cap reached or the time box elapsed) removes it until an extension makes the engagement active again;
 * - `feedback_closes` after closing: informational, no command. No event marks the end of the feedback
 *   window, so this document stays as the record of when it closes.
 * Declined, withdrawn and expired engagements have nothing due: their document is deleted.
 *
 * Engagement events after the request name neither party nor the policy, so a helper document
 * (`engagement:<id>`, never served, never indexed) remembers them while the engagement can still
 * change its deadlines: from the request until it is closed, declined, withdrawn or expired. Its
 * `through` makes a redelivered event harmless while it lives; after that, replaying the stream again
 * ends where it did, since every later event finds no helper and changes nothing.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import * as Command from "../decision/Command.js"
import type { Actor } from "../store/Actor.js"
import { EngagementId, UserId } from "../domain/Ids.js"
import { plusDays } from "../engagement/EngagementState.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as StreamId from "../store/StreamId.js"

/** What falls due: a request or counter expires, a time box ends, the feedback window closes. */
export const DeadlineKind = Schema.Literal("request_expires", "time_box_ends", "feedback_closes")
export type DeadlineKind = typeof DeadlineKind.Type

/** The one deadline of an engagement (id: the engagement id). */
export const Deadline = Schema.TaggedStruct("Deadline", {
  engagementId: EngagementId,
  menteeId: UserId,
  mentorId: UserId,
  kind: DeadlineKind,
  /** Due at or after this instant. */
  dueAt: Schema.DateTimeUtc
})
export type Deadline = typeof Deadline.Type

/** Helper (id `engagement:<id>`): the parties and feedback window of an engagement still in play. */
export const Tracked = Schema.TaggedStruct("Tracked", {
  menteeId: UserId,
  mentorId: UserId,
  /** From the policy copied into the request: the engagement keeps it to the end. */
  feedbackWindowDays: Schema.Int,
  /** The last stream version applied: a redelivered event is ignored. */
  through: Schema.Int
})
export type Tracked = typeof Tracked.Type

/** Every document of the projection; only `Deadline` is ever served or indexed. */
export const Document = Schema.Union(Deadline, Tracked)
export type Document = typeof Document.Type

const trackedKey = (engagementId: string) => `engagement:${engagementId}`

/** Whether a deadline has come: `now` is at or after `dueAt` (the deciders accept the command from then on). */
export const isDue = (deadline: Deadline, now: DateTime.Utc): boolean =>
  DateTime.greaterThanOrEqualTo(now, deadline.dueAt)

/** The command the deadline process sends for a deadline; undefined for `feedback_closes`, which only informs. */
export const commandFor = (
  deadline: Deadline
): typeof Command.ExpireRequest.Type | typeof Command.ElapseTimeBox.Type | undefined =>
  deadline.kind === "request_expires"
    ? Command.ExpireRequest.make({ engagementId: deadline.engagementId })
    : deadline.kind === "time_box_ends"
      ? Command.ElapseTimeBox.make({ engagementId: deadline.engagementId })
      : undefined

const handled = [
  "EngagementRequested",
  "ScopeCountered",
  "EngagementAgreed",
  "EngagementDeclined",
  "RequestWithdrawn",
  "RequestExpired",
  "WrapUpStarted",
  "ExtensionAccepted",
  "EngagementClosed"
] as const

const apply = (
  { event, record }: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const id = StreamId.idOf(record.streamId)
  const key = trackedKey(id)
  const deadline = (t: Pick<Tracked, "menteeId" | "mentorId">, kind: DeadlineKind, dueAt: DateTime.Utc) =>
    Projection.put<Document>(
      id,
      Deadline.make({ engagementId: EngagementId.make(id), menteeId: t.menteeId, mentorId: t.mentorId, kind, dueAt })
    )

  if (event._tag === "EngagementRequested") {
    // Either document present means this request was applied already.
    if (documents.get(key) !== undefined || documents.get(id) !== undefined) return []
    const tracked = Tracked.make({
      menteeId: event.menteeId,
      mentorId: event.mentorId,
      feedbackWindowDays: event.policy.feedbackWindowDays,
      through: record.version
    })
    return [Projection.put(key, tracked), deadline(tracked, "request_expires", event.expiresAt)]
  }

  const current = documents.get(key)
  if (current?._tag !== "Tracked" || record.version <= current.through) return []
  const tracked: Tracked = { ...current, through: record.version }
  switch (event._tag) {
    case "ScopeCountered":
      return [Projection.put(key, tracked), deadline(tracked, "request_expires", event.expiresAt)]
    case "EngagementAgreed":
    case "ExtensionAccepted":
      return [Projection.put(key, tracked), deadline(tracked, "time_box_ends", event.endsAt)]
    case "WrapUpStarted":
      return [Projection.put(key, tracked), Projection.remove(id)]
    case "EngagementDeclined":
    case "RequestWithdrawn":
    case "RequestExpired":
      return [Projection.remove(key), Projection.remove(id)]
    case "EngagementClosed":
      // Nothing after closing moves a deadline: the helper goes, the feedback window stays.
      return [
        Projection.remove(key),
        deadline(tracked, "feedback_closes", plusDays(event.closedAt, tracked.feedbackWindowDays))
      ]
    default:
      return []
  }
}

const millis = (d: Deadline) => DateTime.toEpochMillis(d.dueAt)

/** The deadlines projection. */
export const projection = Projection.make({
  name: "deadlines",
  version: 1,
  handles: handled,
  document: Document,
  apply,
  indexes: {
    /** `[kind, dueAt]`: the deadline process lists one kind with `dueAt` before now, oldest first. */
    due: (d) => (d._tag === "Deadline" ? [d.kind, millis(d)] : undefined),
    /** `[userId, dueAt]` under each party: "what falls due for me", soonest first. */
    byParticipant: (d) =>
      d._tag === "Deadline"
        ? [
            [d.menteeId, millis(d)],
            [d.mentorId, millis(d)]
          ]
        : undefined
  }
})

/** Who may see a deadline: its two participants, admins and the system; nobody sees helper documents. */
export const view = (document: Document, _id: string, viewer: Actor): Deadline | undefined => {
  if (document._tag !== "Deadline") return undefined
  if (viewer._tag !== "User") return document
  return viewer.userId === document.menteeId || viewer.userId === document.mentorId ? document : undefined
}

/** The deadlines read model. */
export const readModel = ReadModel.make(projection, view)
