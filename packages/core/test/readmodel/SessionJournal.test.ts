/** SessionJournal: sessions and notes per engagement, and the privacy boundary of its view (INV-16). */
import { assert, describe, it } from "@effect/vitest"
import { Actor, Command, EngagementEvent as E, Ids, Stint } from "@stint/core"
import * as SessionJournal from "@stint/core/SessionJournal"
import { DateTime, Effect, Schema, TestClock } from "effect"
import * as ProjectionSpec from "@stint/testing/ProjectionSpec"
import * as F from "./fixtures.js"

const { ana, ben, eve, customers: area, sessionId, noteId, at, as } = F
const id = F.engagementId(6)
const stream = F.stream(id)
const scope = { sessions: 3, timeBoxDays: 30, sessionMinutes: 20 }
const goals = [{ statement: "Run a discovery call", successCriterion: "One call held" }]

const requested = F.requested(id, { area, need: "Talk to customers", goals, ask: scope })
const agreed = F.agreed({ scope })
const held = (n: number, recordedBy: E.Role = "mentee") => F.held(n, { minutes: 20 + n, recordedBy })
const session = (n: number, recordedBy: E.Role = "mentee", retracted = false): SessionJournal.Session => ({
  sessionId: sessionId(n),
  heldAt: at(1 + n),
  minutes: 20 + n,
  recordedBy,
  retracted
})
const added = (n: number, author: E.Role, visibility: E.Visibility, day: number, about?: number) =>
  E.NoteAdded.make({
    noteId: noteId(n),
    author,
    visibility,
    text: `${visibility} note ${n} by the ${author}`,
    addedAt: at(day),
    ...(about === undefined ? {} : { sessionId: sessionId(about) })
  })
const note = (
  n: number,
  author: E.Role,
  visibility: E.Visibility,
  day: number,
  about?: number
): SessionJournal.Note => ({
  noteId: noteId(n),
  author,
  visibility,
  text: `${visibility} note ${n} by the ${author}`,
  addedAt: at(day),
  ...(about === undefined ? {} : { sessionId: sessionId(about) })
})
const closed = E.EngagementClosed.make({ outcome: "completed", closedBy: Actor.user(ana), closedAt: at(10) })

const empty: SessionJournal.Document = {
  engagementId: id,
  menteeId: ben,
  mentorId: ana,
  requestedAt: at(0),
  sessions: [],
  notes: [],
  through: 1
}

/** A journal with a session and one note of each kind. */
const journal: SessionJournal.Document = {
  ...empty,
  sessions: [session(1)],
  notes: [
    note(1, "mentee", "private", 2, 1),
    note(2, "mentor", "private", 2),
    note(3, "mentor", "shared", 3, 1),
    note(4, "mentee", "shared", 3)
  ],
  through: 7
}

describe("SessionJournal", () => {
  it("a request opens an empty journal with the parties", () => {
    ProjectionSpec.given(SessionJournal.projection)
      .when(stream, [requested])
      .thenDocuments({ [id]: empty })
      .thenIdempotent()
  })

  it("sessions are recorded in order; a retracted one stays, flagged", () => {
    ProjectionSpec.given(SessionJournal.projection)
      .when(stream, [
        requested,
        agreed,
        held(1),
        held(2, "mentor"),
        E.SessionRetracted.make({ sessionId: sessionId(2), retractedBy: "mentor", retractedAt: at(4) }),
        held(3)
      ])
      .thenDocuments({
        [id]: { ...empty, sessions: [session(1), session(2, "mentor", true), session(3)], through: 6 }
      })
      .thenIdempotent()
  })

  it("notes keep author, visibility, the session they are about and their text", () => {
    ProjectionSpec.given(SessionJournal.projection)
      .when(stream, [
        requested,
        agreed,
        held(1),
        added(1, "mentee", "private", 2, 1),
        added(2, "mentor", "private", 2),
        added(3, "mentor", "shared", 3, 1),
        added(4, "mentee", "shared", 3)
      ])
      .thenDocuments({ [id]: journal })
      .thenIdempotent()
  })

  it("a note before the agreement, and private notes after closing, are kept too", () => {
    ProjectionSpec.given(SessionJournal.projection)
      .when(stream, [
        requested,
        added(1, "mentee", "shared", 0),
        agreed,
        held(1),
        closed,
        added(2, "mentor", "private", 11, 1)
      ])
      .thenDocuments({
        [id]: {
          ...empty,
          sessions: [session(1)],
          notes: [note(1, "mentee", "shared", 0), note(2, "mentor", "private", 11, 1)],
          through: 6
        }
      })
      .thenIdempotent()
  })

  it("events of an engagement never requested make no journal", () => {
    ProjectionSpec.given(SessionJournal.projection)
      .when(stream, [agreed, held(1), added(1, "mentee", "private", 2)])
      .thenDocuments({})
  })

  it("view: a participant sees the sessions, shared notes and their own private notes", () => {
    const { view } = SessionJournal.readModel
    const base = { engagementId: id, menteeId: ben, mentorId: ana, sessions: [session(1)] }
    assert.deepStrictEqual(view(journal, id, Actor.user(ben)), {
      ...base,
      viewer: "mentee",
      notes: [note(1, "mentee", "private", 2, 1), note(3, "mentor", "shared", 3, 1), note(4, "mentee", "shared", 3)]
    })
    assert.deepStrictEqual(view(journal, id, Actor.user(ana)), {
      ...base,
      viewer: "mentor",
      notes: [note(2, "mentor", "private", 2), note(3, "mentor", "shared", 3, 1), note(4, "mentee", "shared", 3)]
    })
  })

  it("view: admins and the system see the sessions and no note; anyone else nothing", () => {
    const { view } = SessionJournal.readModel
    const staff: SessionJournal.ForViewer = {
      engagementId: id,
      menteeId: ben,
      mentorId: ana,
      viewer: "staff",
      sessions: [session(1)],
      notes: []
    }
    assert.deepStrictEqual(view(journal, id, Actor.admin(Ids.UserId.make("ada"))), staff)
    assert.deepStrictEqual(view(journal, id, Actor.system), staff)
    assert.isUndefined(view(journal, id, Actor.user(eve)))
    // Even an admin whose user id is a participant's reads as staff: the actor decides, not the id.
    assert.deepStrictEqual(view(journal, id, Actor.admin(ben))?.notes, [])
  })

  it("INV-16: a private note's text reaches its author and no one else", () => {
    const viewers = [Actor.user(ben), Actor.user(ana), Actor.user(eve), Actor.admin(eve), Actor.system]
    for (const n of journal.notes.filter((n) => n.visibility === "private")) {
      for (const viewer of viewers) {
        const seen = JSON.stringify(SessionJournal.forViewer(journal, viewer) ?? null).includes(n.text)
        const author = viewer._tag === "User" && viewer.userId === (n.author === "mentee" ? ben : ana)
        assert.strictEqual(seen, author, `${n.text} seen by ${Actor.describe(viewer)}`)
      }
    }
  })

  it("what a viewer sees survives the ForViewer schema through JSON, to be served", () => {
    for (const viewer of [Actor.user(ben), Actor.user(ana), Actor.system]) {
      const seen = SessionJournal.forViewer(journal, viewer)!
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(SessionJournal.ForViewer)(seen)))
      assert.deepStrictEqual(Schema.decodeUnknownSync(SessionJournal.ForViewer)(json), seen)
    }
  })

  it("index: each participant, with the request time", () => {
    const millis = DateTime.toEpochMillis(at(0))
    assert.deepStrictEqual(SessionJournal.projection.indexes.byParticipant!(journal, id), [
      ["ben", millis],
      ["ana", millis]
    ])
  })

  it.effect("a real run: sessions, a retraction, notes of both kinds, a private note after closing", () =>
    Effect.gen(function* () {
      yield* F.startClock
      const stint = yield* Stint.Stint
      const days = (n: number) => TestClock.adjust(`${n} days`)
      const engagementId = F.e1
      const addNote = (n: number, by: Ids.UserId, visibility: E.Visibility, about?: number) =>
        stint.execute(
          Command.AddNote.make({
            engagementId,
            noteId: noteId(n),
            visibility,
            text: `note ${n}`,
            ...(about === undefined ? {} : { sessionId: sessionId(about) })
          }),
          as(by)
        )

      yield* stint.execute(Command.RegisterMentor.make({ mentorId: ana, areas: [area] }), as(ana))
      yield* stint.execute(
        Command.RequestEngagement.make({ engagementId, mentorId: ana, area, need: "Talk to customers", goals }),
        as(ben)
      )
      yield* addNote(1, ben, "private")
      yield* days(1)
      yield* stint.execute(Command.AgreeEngagement.make({ engagementId }), as(ana))
      yield* days(1)
      const first = yield* DateTime.now
      yield* stint.execute(
        Command.RecordSession.make({ engagementId, sessionId: sessionId(1), heldAt: first, minutes: 20 }),
        as(ben)
      )
      yield* addNote(2, ana, "shared", 1)
      yield* addNote(3, ana, "private", 1)
      yield* days(1)
      const second = yield* DateTime.now
      yield* stint.execute(
        Command.RecordSession.make({ engagementId, sessionId: sessionId(2), heldAt: second, minutes: 30 }),
        as(ana)
      )
      yield* stint.execute(Command.RetractSession.make({ engagementId, sessionId: sessionId(2) }), as(ana))
      yield* stint.execute(Command.CloseEngagement.make({ engagementId, outcome: "completed" }), as(ben))
      yield* days(1)
      yield* addNote(4, ben, "private")

      const envelopes = yield* F.log
      const documents = F.rebuild(SessionJournal.projection, envelopes)
      assert.deepStrictEqual([...documents.keys()], [engagementId])
      const d = documents.get(engagementId)!
      assert.deepStrictEqual(d.sessions, [
        { sessionId: sessionId(1), heldAt: first, minutes: 20, recordedBy: "mentee", retracted: false },
        { sessionId: sessionId(2), heldAt: second, minutes: 30, recordedBy: "mentor", retracted: true }
      ])
      const notes = d.notes.map((n) => [n.text, n.author, n.visibility, n.sessionId])
      assert.deepStrictEqual(notes, [
        ["note 1", "mentee", "private", undefined],
        ["note 2", "mentor", "shared", sessionId(1)],
        ["note 3", "mentor", "private", sessionId(1)],
        ["note 4", "mentee", "private", undefined]
      ])
      const texts = (viewer: Actor.Actor) => SessionJournal.forViewer(d, viewer)?.notes.map((n) => n.text)
      assert.deepStrictEqual(texts(Actor.user(ben)), ["note 1", "note 2", "note 4"])
      assert.deepStrictEqual(texts(Actor.user(ana)), ["note 2", "note 3"])
      assert.deepStrictEqual(texts(Actor.admin(eve)), [])
      assert.deepStrictEqual(texts(Actor.user(eve)), undefined)
      // Any split of the log into two batches gives the same journal (INV-19).
      F.assertBatchesAgree(SessionJournal.projection, envelopes)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
