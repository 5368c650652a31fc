/** MentorInbox: requests awaiting the mentor by expiry, counters, offers and extensions awaiting the mentee. */
import { assert, describe, it } from "@effect/vitest"
import { Actor, EngagementEvent as E, Ids, Stint } from "@stint/core"
import * as MentorInbox from "@stint/core/MentorInbox"
import { DateTime, Effect, TestClock } from "effect"
import * as ProjectionSpec from "@stint/testing/ProjectionSpec"
import * as F from "./fixtures.js"

const { ana, ben, cai, dee, eli, typescript, e1, e2, e3, e4, e5, stream, goals, ask, as, at, requested } = F
const counterScope = { sessions: 2, timeBoxDays: 21, sessionMinutes: 20 }
const inboxId = MentorInbox.inboxId(ana)
const documentsOf = (history: Parameters<typeof F.documentsOf>[1]) => F.documentsOf(MentorInbox.projection, history)

const countered = E.ScopeCountered.make({ scope: counterScope, counteredAt: at(1), expiresAt: at(8) })
const agreed = (agreedBy: "mentee" | "mentor") => F.agreed({ agreedBy, agreedAt: at(2), endsAt: at(32) })
const offered = E.ExtensionOffered.make({ terms: { additionalSessions: 1, additionalDays: 7 }, offeredAt: at(5) })

const request = (
  id: Ids.EngagementId,
  menteeId: Ids.UserId,
  expiresAt: DateTime.Utc,
  requestedAt = at(0)
): MentorInbox.PendingRequest => ({
  engagementId: id,
  menteeId,
  area: typescript,
  needSummary: "Help me type my API",
  ask,
  requestedAt,
  expiresAt
})
const inbox = (lists: Partial<Omit<MentorInbox.MentorInbox, "_tag" | "mentorId">>): MentorInbox.MentorInbox => ({
  _tag: "MentorInbox",
  mentorId: ana,
  requests: [],
  counters: [],
  offers: [],
  extensions: [],
  ...lists
})

describe("MentorInbox", () => {
  it("a mentee's request waits for the mentor, soonest expiry first; a link names the parties", () => {
    ProjectionSpec.given(MentorInbox.projection)
      .when(stream(e1), [requested(e1, { expiresAt: at(7) })])
      .when(stream(e2), [requested(e2, { menteeId: cai, requestedAt: at(1), expiresAt: at(3) })])
      .thenDocuments({
        [inboxId]: inbox({ requests: [request(e2, cai, at(3), at(1)), request(e1, ben, at(7))] }),
        [MentorInbox.engagementDocumentId(e1)]: {
          _tag: "EngagementLink",
          engagementId: e1,
          mentorId: ana,
          menteeId: ben,
          area: typescript,
          through: 1
        },
        [MentorInbox.engagementDocumentId(e2)]: {
          _tag: "EngagementLink",
          engagementId: e2,
          mentorId: ana,
          menteeId: cai,
          area: typescript,
          through: 1
        }
      })
      .thenIdempotent()
  })

  it("a counter moves the request to the counters awaiting the mentee; the mentee's answer clears it", () => {
    const spec = ProjectionSpec.given(MentorInbox.projection).when(stream(e1), [requested(e1), countered])
    spec
      .thenDocument(
        inboxId,
        inbox({
          counters: [
            {
              engagementId: e1,
              menteeId: ben,
              area: typescript,
              needSummary: "Help me type my API",
              ask,
              counter: counterScope,
              requestedAt: at(0),
              counteredAt: at(1),
              expiresAt: at(8)
            }
          ]
        })
      )
      .thenIdempotent()
    spec
      .when(stream(e1), [agreed("mentee")])
      .thenDocument(inboxId, inbox({}))
      .thenIdempotent()
  })

  it("agreed, declined, withdrawn and expired requests leave the inbox", () => {
    ProjectionSpec.given(MentorInbox.projection)
      .when(stream(e1), [requested(e1), agreed("mentor")])
      .when(stream(e2), [
        requested(e2, { menteeId: cai }),
        E.EngagementDeclined.make({ declinedBy: "mentor", reason: "Booked", declinedAt: at(1) })
      ])
      .when(stream(e3), [
        requested(e3, { menteeId: dee }),
        countered,
        E.RequestWithdrawn.make({ withdrawnBy: "mentee", withdrawnAt: at(2) })
      ])
      .when(stream(e4), [
        requested(e4, { menteeId: dee, expiresAt: at(9) }),
        E.RequestExpired.make({ expiredAt: at(9) })
      ])
      .thenDocument(inboxId, inbox({}))
      .thenIdempotent()
  })

  it("the mentor's offer waits for the mentee until answered", () => {
    const spec = ProjectionSpec.given(MentorInbox.projection).when(stream(e1), [
      requested(e1, { initiator: "mentor", need: "A follow-up on your API types" })
    ])
    spec.thenDocument(
      inboxId,
      inbox({
        offers: [
          {
            engagementId: e1,
            menteeId: ben,
            area: typescript,
            needSummary: "A follow-up on your API types",
            scope: ask,
            offeredAt: at(0),
            expiresAt: at(7)
          }
        ]
      })
    )
    spec
      .when(stream(e1), [E.EngagementDeclined.make({ declinedBy: "mentee", declinedAt: at(1) })])
      .thenDocument(inboxId, inbox({}))
      .thenIdempotent()
  })

  it("an open extension offer waits for the mentee; accepting, declining or closing clears it", () => {
    const pending = inbox({
      extensions: [
        {
          engagementId: e1,
          menteeId: ben,
          area: typescript,
          terms: { additionalSessions: 1, additionalDays: 7 },
          offeredAt: at(5)
        }
      ]
    })
    const live = [requested(e1), agreed("mentor"), offered]
    ProjectionSpec.given(MentorInbox.projection).when(stream(e1), live).thenDocument(inboxId, pending).thenIdempotent()
    ProjectionSpec.given(MentorInbox.projection)
      .when(stream(e1), [
        ...live,
        E.ExtensionAccepted.make({
          terms: { additionalSessions: 1, additionalDays: 7 },
          sessionCap: 4,
          endsAt: at(39),
          acceptedAt: at(6)
        })
      ])
      .thenDocument(inboxId, inbox({}))
    ProjectionSpec.given(MentorInbox.projection)
      .when(stream(e1), [...live, E.ExtensionDeclined.make({ declinedAt: at(6) })])
      .thenDocument(inboxId, inbox({}))
    ProjectionSpec.given(MentorInbox.projection)
      .when(stream(e1), [
        ...live,
        E.EngagementClosed.make({
          outcome: "ended_early",
          reason: "Moved on",
          closedBy: Actor.user(ben),
          closedAt: at(6)
        })
      ])
      .thenDocument(inboxId, inbox({}))
      .thenIdempotent()
  })

  it("a long need is summarized to 200 characters, whole code points, with an ellipsis", () => {
    const long = `${"🙂".repeat(150)} ${"x".repeat(300)}`
    const documents = documentsOf([[stream(e1), [requested(e1, { need: long })]]])
    const summary = (documents.get(inboxId) as MentorInbox.MentorInbox).requests[0]!.needSummary
    assert.strictEqual(Array.from(summary).length, 200)
    assert.strictEqual(summary.endsWith("…"), true)
    assert.strictEqual(summary.startsWith("🙂".repeat(150)), true)
    assert.strictEqual(MentorInbox.summarize("short"), "short")
  })

  it("unexpected sequences do not throw: events of unknown engagements change nothing", () => {
    ProjectionSpec.given(MentorInbox.projection)
      .when(stream(e1), [countered, agreed("mentor"), offered, E.RequestExpired.make({ expiredAt: at(9) })])
      .thenDocuments({})
  })

  it("index awaitingMentor: the soonest request expiry, only while a request waits for the mentor", () => {
    const { awaitingMentor } = MentorInbox.projection.indexes
    const documents = documentsOf([
      [stream(e1), [requested(e1, { expiresAt: at(7) })]],
      [stream(e2), [requested(e2, { menteeId: cai, expiresAt: at(3) })]]
    ])
    assert.deepStrictEqual(awaitingMentor!(documents.get(inboxId)!, inboxId), [DateTime.toEpochMillis(at(3))])
    assert.isUndefined(awaitingMentor!(inbox({}), inboxId))
    assert.isUndefined(awaitingMentor!(documents.get(MentorInbox.engagementDocumentId(e1))!, "link"))
  })

  it("view: the mentor, admins and the system see the inbox; other users and links nothing", () => {
    const documents = documentsOf([[stream(e1), [requested(e1)]]])
    const doc = documents.get(inboxId)!
    const { view } = MentorInbox.readModel
    assert.deepStrictEqual(view(doc, inboxId, Actor.user(ana)), doc)
    assert.deepStrictEqual(view(doc, inboxId, Actor.admin(dee)), doc)
    assert.deepStrictEqual(view(doc, inboxId, Actor.system), doc)
    assert.isUndefined(view(doc, inboxId, Actor.user(ben)))
    const link = documents.get(MentorInbox.engagementDocumentId(e1))!
    assert.isUndefined(view(link, "link", Actor.user(ana)))
    assert.isUndefined(view(link, "link", Actor.system))
  })

  it("hoursLeft and answerableRequests take now explicitly; a request past its deadline is not answerable", () => {
    const doc = inbox({ requests: [request(e2, cai, at(3)), request(e1, ben, at(7))] })
    assert.strictEqual(MentorInbox.hoursLeft(doc.requests[0]!, at(2, 1)), 23)
    assert.strictEqual(MentorInbox.hoursLeft(doc.requests[0]!, at(4)), 0)
    assert.deepStrictEqual(
      MentorInbox.answerableRequests(doc, at(2)).map((r) => r.engagementId),
      [e2, e1]
    )
    assert.deepStrictEqual(
      MentorInbox.answerableRequests(doc, at(3)).map((r) => r.engagementId),
      [e1]
    )
  })

  it.effect("a real run through Stint: requests, a counter, an offer, an extension, answers and closing", () =>
    Effect.gen(function* () {
      yield* F.startClock
      const stint = yield* Stint.Stint
      const areas = [typescript]
      yield* stint.execute({ _tag: "RegisterMentor", mentorId: ana, areas }, as(ana))
      const ask = (id: Ids.EngagementId, menteeId: Ids.UserId) =>
        stint.execute(
          { _tag: "RequestEngagement", engagementId: id, mentorId: ana, area: typescript, need: "Help", goals },
          as(menteeId)
        )
      yield* ask(e1, ben)
      yield* TestClock.adjust("1 hour")
      yield* ask(e2, cai)
      yield* TestClock.adjust("1 hour")
      yield* ask(e3, dee)
      // e1: agreed, a session, notes, an open extension offer
      yield* stint.execute({ _tag: "AgreeEngagement", engagementId: e1 }, as(ana))
      yield* TestClock.adjust("1 day")
      const heldAt = DateTime.subtract(yield* DateTime.now, { hours: 1 })
      yield* stint.execute(
        { _tag: "RecordSession", engagementId: e1, sessionId: Ids.SessionId.make(e4), heldAt, minutes: 20 },
        as(ben)
      )
      yield* stint.execute(
        {
          _tag: "AddNote",
          engagementId: e1,
          noteId: Ids.NoteId.make("9f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"),
          visibility: "shared",
          text: "Shared note text"
        },
        as(ana)
      )
      yield* stint.execute(
        { _tag: "OfferExtension", engagementId: e1, additionalSessions: 1, additionalDays: 0 },
        as(ana)
      )
      // e2: countered, waiting for cai; e3: declined
      yield* stint.execute({ _tag: "CounterScope", engagementId: e2, scope: { sessions: 2 } }, as(ana))
      yield* stint.execute({ _tag: "DeclineEngagement", engagementId: e3, reason: "Fully booked" }, as(ana))
      // e4: ana offers dee a follow-up
      yield* stint.execute(
        { _tag: "OfferEngagement", engagementId: e4, menteeId: dee, area: typescript, need: "Follow-up", goals },
        as(ana)
      )
      // e5: eli asks and waits
      yield* ask(e5, eli)

      const doc = F.rebuild(MentorInbox.projection, yield* F.log).get(inboxId) as MentorInbox.MentorInbox
      assert.deepStrictEqual(
        doc.requests.map((r) => [r.engagementId, r.menteeId, r.needSummary]),
        [[e5, eli, "Help"]]
      )
      assert.strictEqual(MentorInbox.hoursLeft(doc.requests[0]!, yield* DateTime.now), 7 * 24)
      assert.deepStrictEqual(
        doc.counters.map((c) => [c.engagementId, c.menteeId, c.counter.sessions]),
        [[e2, cai, 2]]
      )
      assert.deepStrictEqual(
        doc.offers.map((o) => [o.engagementId, o.menteeId]),
        [[e4, dee]]
      )
      assert.deepStrictEqual(
        doc.extensions.map((x) => [x.engagementId, x.terms.additionalSessions]),
        [[e1, 1]]
      )
      assert.notInclude(JSON.stringify(doc), "Shared note text")
      assert.notInclude(JSON.stringify(doc), "Fully booked")

      // The mentee answers everything: the inbox empties.
      yield* stint.execute({ _tag: "AcceptExtension", engagementId: e1 }, as(ben))
      yield* stint.execute({ _tag: "AgreeEngagement", engagementId: e2 }, as(cai))
      yield* stint.execute({ _tag: "WithdrawRequest", engagementId: e4 }, as(ana))
      yield* stint.execute({ _tag: "WithdrawRequest", engagementId: e5 }, as(eli))
      const after = F.rebuild(MentorInbox.projection, yield* F.log)
      assert.deepStrictEqual(after.get(inboxId), inbox({}))
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
