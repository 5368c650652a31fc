import { assert, describe, it } from "@effect/vitest"
import * as Core from "@stint/core"
import {
  EngagementNotFound,
  type FeedItem,
  InvalidArgument,
  InvalidCommand,
  InvalidDatabaseUrl,
  InvalidPolicy,
  NotAllowed,
  open,
  SessionCapReached,
  StintClosed,
  StintDefect,
  type StintError,
  fromLayer,
  isRefusal,
  layer,
  user
} from "@stint/node"
import { Effect, Layer, Stream } from "effect"
import * as SetClock from "./clock.js"
import { ana, ben, register, request, session } from "./fixtures.js"

/** The rejection of a promise that must reject. */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected the promise to reject")
}

const quiet = { logLevel: "None", deadlines: false } as const

/** Stint in memory whose event streams count how many were released (ended, interrupted). */
const trackedFeeds = () => {
  const counter = { released: 0 }
  const layer = Layer.effect(
    Core.Stint.Stint,
    Effect.map(Core.Stint.Stint, (stint) => ({
      ...stint,
      events: (options?: Parameters<typeof stint.events>[0]) =>
        stint.events(options).pipe(Stream.ensuring(Effect.sync(() => counter.released++)))
    }))
  ).pipe(Layer.provideMerge(Core.Stint.layerMemory({ projections: Core.ReadModels.options() })))
  return Object.assign(counter, { layer })
}

describe("StintClient (memory)", () => {
  it("executes commands and reads state, views and history", async () => {
    await using stint = await open(quiet)
    const id = crypto.randomUUID()
    await stint.execute(register, { actor: user(ana) })
    await stint.execute(request(id), { actor: user(ben) })
    const agreed = await stint.execute(
      { _tag: "AgreeEngagement", engagementId: id },
      { actor: user(ana), commandId: "agree" }
    )
    assert.deepStrictEqual(
      agreed.events.map((e) => e.event._tag),
      ["EngagementAgreed", "SeatReserved", "RequestResolved"]
    )
    const again = await stint.execute(
      { _tag: "AgreeEngagement", engagementId: id },
      { actor: user(ana), commandId: "agree" }
    )
    assert.isTrue(again.duplicate)

    const state = await stint.engagement(id)
    assert.strictEqual(state?.status, "active")
    assert.strictEqual((await stint.mentor(ana))?.capacity.engagements, 3)
    assert.strictEqual((await stint.history("engagement", id)).length, 2)

    // Read models as a viewer: the participants see the engagement, a stranger sees nothing.
    assert.strictEqual((await stint.engagementView(id, user(ben)))?.state, "active")
    assert.isUndefined(await stint.engagementView(id, user("stranger")))
    const mine = await stint.engagementsOf(ben, "mentee", user(ben))
    assert.deepStrictEqual(
      mine.items.map((i) => i.id),
      [id]
    )

    // Async read models after catching up.
    assert.isUndefined(await stint.mentorInbox(ana, user(ana)))
    await stint.catchUp()
    const load = await stint.mentorLoad(ana, user(ana))
    assert.isTrue(load !== undefined && "active" in load && load.active === 1)
    const seenByBen = await stint.mentorLoad(ana, user(ben))
    assert.isTrue(seenByBen !== undefined && !("active" in seenByBen))
    assert.strictEqual((await stint.mentorsInArea("typescript", user(ben))).items.length, 1)
    assert.strictEqual((await stint.menteeNetwork(ben, user(ben)))?.menteeId, ben)
    assert.strictEqual((await stint.programMetrics(Core.Actor.admin(Core.Ids.UserId.make("boss"))))?.requests.agreed, 1)
    assert.strictEqual((await stint.deadlines(user(ben))).items.length, 1)
    assert.isTrue((await stint.status()).every((s) => s.serving !== undefined))
  })

  it("keeps private notes to their author", async () => {
    await using stint = await open(quiet)
    const id = crypto.randomUUID()
    await stint.execute(register, { actor: user(ana) })
    await stint.execute(request(id), { actor: user(ben) })
    await stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(ana) })
    const note = (visibility: "private" | "shared", text: string) =>
      ({ _tag: "AddNote", engagementId: id, noteId: crypto.randomUUID(), visibility, text }) as const
    await stint.execute(note("private", "ben's secret"), { actor: user(ben) })
    await stint.execute(note("shared", "for both"), { actor: user(ben) })
    const texts = async (viewer: string) =>
      ((await stint.sessionJournal(id, user(viewer)))?.notes ?? []).map((n) => n.text)
    assert.deepStrictEqual(await texts(ben), ["ben's secret", "for both"])
    assert.deepStrictEqual(await texts(ana), ["for both"])
  })

  it("rejects a refusal with the domain's own error instance and fields", async () => {
    await using stint = await open(quiet)
    const id = crypto.randomUUID()
    await stint.execute(register, { actor: user(ana) })
    await stint.execute(request(id, 1), { actor: user(ben) })

    const notAllowed = await rejection(
      stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(ben) })
    )
    assert.instanceOf(notAllowed, NotAllowed)
    assert.instanceOf(notAllowed, Core.Refusal.NotAllowed)
    assert.isTrue(isRefusal(notAllowed))
    assert.strictEqual((notAllowed as NotAllowed).actor, "user ben")

    await stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(ana) })
    await stint.execute(session(id), { actor: user(ben) })
    const capped = (await rejection(stint.execute(session(id), { actor: user(ana) }))) as StintError
    // A host's switch narrows on the tag.
    switch (capped._tag) {
      case "SessionCapReached":
        assert.strictEqual(capped.cap, 1)
        assert.strictEqual(capped.held, 1)
        break
      default:
        assert.fail(`unexpected ${capped._tag}`)
    }
    assert.instanceOf(capped, SessionCapReached)
    assert.notInclude(String(capped), "FiberFailure")

    const missing = await rejection(
      stint.execute({ _tag: "AgreeEngagement", engagementId: crypto.randomUUID() }, { actor: user(ana) })
    )
    assert.instanceOf(missing, EngagementNotFound)
  })

  it("rejects bad input with InvalidCommand or InvalidArgument", async () => {
    await using stint = await open(quiet)
    const bad = await rejection(
      stint.executeUnknown({ _tag: "AgreeEngagement", engagementId: "nope" }, { actor: user(ana) })
    )
    assert.instanceOf(bad, InvalidCommand)
    assert.isTrue((bad as InvalidCommand).issues.some((i) => i.path === "engagementId"))
    assert.instanceOf(await rejection(stint.executeUnknown("hello", { actor: user(ana) })), InvalidCommand)
    assert.instanceOf(await rejection(stint.execute(register, { actor: user("not a user id") })), InvalidArgument)
    assert.instanceOf(await rejection(stint.engagement("not-a-uuid")), InvalidArgument)
    const feed = stint.events({ from: "yesterday" })
    assert.instanceOf(await rejection(feed.next()), InvalidArgument)
  })

  it("rejects open with the start error", async () => {
    assert.instanceOf(await rejection(open({ ...quiet, database: "mysql://localhost/x" })), InvalidDatabaseUrl)
    assert.instanceOf(await rejection(open({ ...quiet, policy: { cooldownDays: -1 } })), InvalidPolicy)
    assert.instanceOf(await rejection(open({ logLevel: "None", readModels: false, deadlines: true })), InvalidArgument)
  })

  it("rejects a defect as a StintDefect with the cause's pretty print", async () => {
    const broken = Layer.effect(
      Core.Stint.Stint,
      Effect.map(Core.Stint.Stint, (stint) => ({ ...stint, mentor: () => Effect.die(new Error("boom")) }))
    ).pipe(Layer.provideMerge(Core.Stint.layerMemory({ projections: Core.ReadModels.options() })))
    await using stint = await fromLayer(broken)
    const defect = await rejection(stint.mentor(ana))
    assert.instanceOf(defect, StintDefect)
    assert.include((defect as StintDefect).message, "boom")
    assert.instanceOf((defect as StintDefect).cause, Error)
  })

  it("a read model whose projection this Stint does not run is an UnknownProjection, not empty", async () => {
    await using stint = await open({ ...quiet, readModels: false })
    const refused = await rejection(stint.mentorLoad(ana, user(ana)))
    assert.strictEqual((refused as { _tag?: string })._tag, "UnknownProjection")
    assert.strictEqual(
      ((await rejection(stint.mentorsInArea("typescript", user(ana)))) as { _tag?: string })._tag,
      "UnknownProjection"
    )
  })

  it("an id the store cannot keep is an InvalidArgument, not a defect", async () => {
    await using stint = await open(quiet)
    for (const commandId of ["", "x".repeat(201)]) {
      const refused = await rejection(stint.execute(register, { actor: user(ana), commandId }))
      assert.instanceOf(refused, InvalidArgument)
      assert.strictEqual((refused as InvalidArgument).argument, "commandId")
    }
    assert.instanceOf(await rejection(stint.history("engagement", "not-a-uuid")), InvalidArgument)
    assert.instanceOf(await rejection(stint.history("mentor", "x".repeat(300))), InvalidArgument)
    assert.deepStrictEqual(await stint.history("mentor", "nobody"), [])
  })

  it("feeds the log with for await, from a checkpoint, and live", async () => {
    await using stint = await open(quiet)
    await stint.execute(register, { actor: user(ana) })
    const id = crypto.randomUUID()
    await stint.execute(request(id), { actor: user(ben) })

    const all: Array<FeedItem> = []
    for await (const item of stint.events()) all.push(item)
    assert.deepStrictEqual(
      all.map((i) => i.event._tag),
      ["MentorRegistered", "EngagementRequested", "RequestOpened"]
    )
    const after: Array<string> = []
    for await (const item of stint.events({ from: all[0]!.checkpoint })) after.push(item.event._tag)
    assert.deepStrictEqual(after, ["EngagementRequested", "RequestOpened"])

    // Live: catches up, then sees what is appended next.
    const seen: Array<string> = []
    const following = (async () => {
      for await (const item of stint.events({ from: all[2]!.checkpoint, live: true })) {
        seen.push(item.event._tag)
        if (item.event._tag === "RequestResolved") break
      }
    })()
    await stint.execute({ _tag: "AgreeEngagement", engagementId: id }, { actor: user(ana) })
    await following
    assert.deepStrictEqual(seen, ["EngagementAgreed", "SeatReserved", "RequestResolved"])
  })

  it("interrupts the underlying stream when the loop is left", async () => {
    const tracked = trackedFeeds()
    await using stint = await fromLayer(tracked.layer)
    await stint.execute(register, { actor: user(ana) })
    for await (const item of stint.events({ live: true })) {
      assert.strictEqual(item.event._tag, "MentorRegistered")
      break
    }
    assert.strictEqual(tracked.released, 1)

    // A live feed waiting for events when the Stint closes ends, and is released too.
    const ended = (async () => {
      const tags: Array<string> = []
      for await (const item of stint.events({ live: true })) tags.push(item.event._tag)
      return tags
    })()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await stint.close()
    assert.deepStrictEqual(await ended, ["MentorRegistered"])
    assert.strictEqual(tracked.released, 2)
  })

  it("return() on a live feed waiting for an event ends it at once (a host destroying a stream of it)", async () => {
    const tracked = trackedFeeds()
    await using stint = await fromLayer(tracked.layer)
    await stint.execute(register, { actor: user(ana) })
    const feed = stint.events({ live: true })
    assert.strictEqual((await feed.next()).value?.event._tag, "MentorRegistered")
    const waiting = feed.next() // the log is quiet: this waits for the next event
    const timeout = new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000))
    assert.deepStrictEqual(await Promise.race([feed.return!(), timeout]), { done: true, value: undefined })
    assert.deepStrictEqual(await waiting, { done: true, value: undefined })
    assert.strictEqual(tracked.released, 1)
    // Through a Node stream, as a host piping the feed to a client does.
    const { Readable } = await import("node:stream")
    const readable = Readable.from(stint.events({ live: true }))
    await new Promise((resolve) => readable.once("data", resolve))
    readable.destroy()
    await new Promise((resolve) => readable.once("close", resolve))
    for (let i = 0; i < 100 && tracked.released < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.strictEqual(tracked.released, 2)
  })

  it("rejects calls after close with StintClosed, and waits for calls in flight", async () => {
    const stint = await open(quiet)
    const inFlight = stint.execute(register, { actor: user(ana) })
    const unread = stint.events()
    const closing = stint.close()
    assert.isTrue(stint.closed)
    assert.strictEqual((await inFlight).events.length, 1)
    await closing
    const closed = await rejection(stint.mentor(ana))
    assert.instanceOf(closed, StintClosed)
    assert.include((closed as StintClosed).message, "closed")
    assert.instanceOf(await rejection(stint.events().next()), StintClosed)
    assert.instanceOf(await rejection(unread.next()), StintClosed)
    await stint.close() // closing twice is harmless
  })

  it("runs the deadline process by default", async () => {
    const clock = SetClock.make(Date.now())
    const services = layer({ logLevel: "None", deadlines: { interval: "20 millis" } })
    await using stint = await fromLayer(services.pipe(Layer.provide(Layer.setClock(clock))))
    const id = crypto.randomUUID()
    await stint.execute(register, { actor: user(ana) })
    await stint.execute(request(id), { actor: user(ben) })
    clock.now += 8 * 24 * 60 * 60 * 1000 // past the 7-day request expiry
    let status: string | undefined
    for (let attempt = 0; attempt < 200 && status !== "expired"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      status = (await stint.engagement(id))?.status
    }
    assert.strictEqual(status, "expired")
  })

  it("runs no deadline process when told not to", async () => {
    const clock = SetClock.make(Date.now())
    const services = layer({ logLevel: "None", deadlines: false })
    await using stint = await fromLayer(services.pipe(Layer.provide(Layer.setClock(clock))))
    const id = crypto.randomUUID()
    await stint.execute(register, { actor: user(ana) })
    await stint.execute(request(id), { actor: user(ben) })
    clock.now += 8 * 24 * 60 * 60 * 1000
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.strictEqual((await stint.engagement(id))?.status, "requested")
  })
})
