/**
 * SessionJournal: one document per engagement (keyed by its id) with the sessions held and every
 * note written, and the only place note text is kept (INV-16). The stored document is never served
 * raw: `view` (`forViewer`) is the privacy boundary.
 * - A participant sees the sessions, the shared notes and their own private notes: a private note's
 *   author is a role, so it is shown to the user who holds that role in this engagement.
 * - Admins and the system see the sessions and no note at all, not even shared ones: notes are the
 *   participants' working space, and programme staff never read them (their numbers come from counts).
 * - Anyone else sees nothing.
 * Private notes may still be added after closing; the journal takes them whatever the state.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import type { Actor } from "../store/Actor.js"
import { EngagementId, NoteId, SessionId, UserId } from "../domain/Ids.js"
import { Role, Visibility } from "../engagement/EngagementEvent.js"
import type { Envelope } from "../handling/EventCodec.js"
import * as Projection from "../projection/Projection.js"
import * as ReadModel from "../projection/ReadModel.js"
import * as StreamId from "../store/StreamId.js"

const Time = Schema.DateTimeUtc

/** A session as recorded; a retracted one stays in the journal, flagged. */
export const Session = Schema.Struct({
  sessionId: SessionId,
  heldAt: Time,
  minutes: Schema.Int,
  recordedBy: Role,
  retracted: Schema.Boolean
})
export type Session = typeof Session.Type

/** A note, with the role of its author and, when it is about one, the session. */
export const Note = Schema.Struct({
  noteId: NoteId,
  author: Role,
  visibility: Visibility,
  sessionId: Schema.optional(SessionId),
  text: Schema.String,
  addedAt: Time
})
export type Note = typeof Note.Type

/** The stored journal of one engagement: every note, whoever may read it. Serve it through `view`. */
export const Document = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  mentorId: UserId,
  requestedAt: Time,
  sessions: Schema.Array(Session),
  notes: Schema.Array(Note),
  /** The last stream version applied: a redelivered event is ignored. */
  through: Schema.Int
})
export type Document = typeof Document.Type

/** Whom a journal is shown to: one of the two participants, or programme staff (admins and the system). */
export const Viewer = Schema.Literal("mentee", "mentor", "staff")
export type Viewer = typeof Viewer.Type

/**
 * The journal as one viewer sees it: the sessions, and the notes that viewer may read, in the
 * order they were added (none for staff).
 */
export const ForViewer = Schema.Struct({
  engagementId: EngagementId,
  menteeId: UserId,
  mentorId: UserId,
  viewer: Viewer,
  sessions: Schema.Array(Session),
  notes: Schema.Array(Note)
})
export type ForViewer = typeof ForViewer.Type

/** Whether `role` may read a note: shared notes, and private notes it wrote. */
export const canRead = (note: Note, role: Role): boolean => note.visibility === "shared" || note.author === role

/** The journal as `viewer` may see it (see the module comment); undefined for anyone but the participants and staff. */
export const forViewer = (document: Document, viewer: Actor): ForViewer | undefined => {
  const base = {
    engagementId: document.engagementId,
    menteeId: document.menteeId,
    mentorId: document.mentorId,
    sessions: document.sessions
  }
  if (viewer._tag !== "User") return { ...base, viewer: "staff", notes: [] }
  const role: Role | undefined =
    viewer.userId === document.menteeId ? "mentee" : viewer.userId === document.mentorId ? "mentor" : undefined
  if (role === undefined) return undefined
  return { ...base, viewer: role, notes: document.notes.filter((n) => canRead(n, role)) }
}

const handled = ["EngagementRequested", "SessionHeld", "SessionRetracted", "NoteAdded"] as const

const apply = (
  { event, record }: Envelope,
  documents: Projection.Documents<Document>
): ReadonlyArray<Projection.Change<Document>> => {
  const id = StreamId.idOf(record.streamId)
  const current = documents.get(id)
  if (event._tag === "EngagementRequested") {
    if (current !== undefined) return []
    return [
      Projection.put(id, {
        engagementId: EngagementId.make(id),
        menteeId: event.menteeId,
        mentorId: event.mentorId,
        requestedAt: event.requestedAt,
        sessions: [],
        notes: [],
        through: record.version
      })
    ]
  }
  if (current === undefined || record.version <= current.through) return []
  const d: Document = { ...current, through: record.version }
  switch (event._tag) {
    case "SessionHeld": {
      const session: Session = {
        sessionId: event.sessionId,
        heldAt: event.heldAt,
        minutes: event.minutes,
        recordedBy: event.recordedBy,
        retracted: false
      }
      return [Projection.put(id, { ...d, sessions: [...d.sessions, session] })]
    }
    case "SessionRetracted":
      return [
        Projection.put(id, {
          ...d,
          sessions: d.sessions.map((s) => (s.sessionId === event.sessionId ? { ...s, retracted: true } : s))
        })
      ]
    case "NoteAdded": {
      const note: Note = {
        noteId: event.noteId,
        author: event.author,
        visibility: event.visibility,
        ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
        text: event.text,
        addedAt: event.addedAt
      }
      return [Projection.put(id, { ...d, notes: [...d.notes, note] })]
    }
    default:
      return []
  }
}

const requestedMillis = (d: Document) => DateTime.toEpochMillis(d.requestedAt)

/** The session-journal projection. */
export const projection = Projection.make({
  name: "session-journal",
  version: 1,
  handles: handled,
  document: Document,
  apply,
  indexes: {
    /** `[userId, requestedAt]` under each participant: "my journals", newest or oldest first. */
    byParticipant: (d) => [
      [d.menteeId, requestedMillis(d)],
      [d.mentorId, requestedMillis(d)]
    ]
  }
})

/** What `viewer` may see of a journal: `forViewer`. */
export const view = (document: Document, _id: string, viewer: Actor): ForViewer | undefined =>
  forViewer(document, viewer)

/** The session-journal read model. */
export const readModel = ReadModel.make(projection, view)
