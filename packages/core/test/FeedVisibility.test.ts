/**
 * The feed as one viewer may see it (`Feed`, INV-16): examples on both sides of each rule, and a
 * property over generated histories judged by a separate model of the rule that reads only the log
 * and the commands that were executed, never the code under test.
 */
import { assert, describe, it } from "@effect/vitest"
import { Actor, type Checkpoint, Command, Feed, Ids, Stint } from "@stint/core"
import type { Envelope } from "@stint/core/EventCodec"
import * as A from "@stint/testing/Arbitraries"
import * as World from "@stint/testing/World"
import { Chunk, Clock, DateTime, Effect, Stream, TestClock, TestContext } from "effect"
import * as fc from "fast-check"

const ana = Ids.UserId.make("ana") // mentor of both engagements
const ben = Ids.UserId.make("ben") // mentee of `first`
const cy = Ids.UserId.make("cy") // mentee of `second`
const dan = Ids.UserId.make("dan") // no party to anything
const area = Ids.Area.make("customers")
const first = Ids.EngagementId.make("1b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const second = Ids.EngagementId.make("2b4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f")
const note = (n: number) => Ids.NoteId.make(`${n}c4e28ba-2fa1-4d3b-8c5e-0a1b2c3d4e5f`)

const request = (engagementId: Ids.EngagementId) =>
  Command.RequestEngagement.make({
    engagementId,
    mentorId: ana,
    area,
    need: "Talk to customers",
    goals: [{ statement: "Run a discovery call", successCriterion: "One call held" }]
  })

const addNote = (n: number, visibility: "private" | "shared", text: string) =>
  Command.AddNote.make({ engagementId: first, noteId: note(n), visibility, text })

/** ana mentors ben (`first`, with three notes) and cy (`second`); ben and cy declare interests. */
const story = Effect.gen(function* () {
  const stint = yield* Stint.Stint
  const run = (command: Command.Command, userId: Ids.UserId) => stint.execute(command, { actor: Actor.user(userId) })
  yield* run(Command.RegisterMentor.make({ mentorId: ana, areas: [area] }), ana)
  yield* run(Command.DeclareInterests.make({ areas: [area] }), ben)
  yield* run(Command.DeclareInterests.make({ areas: [area] }), cy)
  yield* run(request(first), ben)
  yield* run(request(second), cy)
  yield* run(Command.AgreeEngagement.make({ engagementId: first }), ana)
  yield* run(addNote(1, "shared", "shared by ben"), ben)
  yield* run(addNote(2, "private", "ben's own"), ben)
  yield* run(addNote(3, "private", "ana's own"), ana)
})

/** What `viewer` sees, from the start or after a checkpoint, as `stream id: tag (note text)`. */
const seen = (viewer: Actor.Actor, from?: Checkpoint.Checkpoint) =>
  Effect.map(Stream.runCollect(Feed.events(viewer, from === undefined ? {} : { from })), (events) =>
    Chunk.toReadonlyArray(events).map(
      ({ event, record }) => `${record.streamId}: ${event._tag}${event._tag === "NoteAdded" ? ` (${event.text})` : ""}`
    )
  )

const checkpointOf = (record: Envelope["record"]): Checkpoint.Checkpoint => ({
  commit: record.commit,
  position: record.position
})

const notesIn = (lines: ReadonlyArray<string>) =>
  lines.filter((l) => l.includes("NoteAdded")).map((l) => l.split(" (")[1])
const streamsIn = (lines: ReadonlyArray<string>) => [...new Set(lines.map((l) => l.split(":")[0]))].sort()

describe("Feed", () => {
  it.effect("a user sees their own streams and engagements, not another's", () =>
    Effect.gen(function* () {
      yield* story
      const bens = yield* seen(Actor.user(ben))
      assert.deepStrictEqual(streamsIn(bens), [`engagement-${first}`, `mentee-${ben}`])
      const anas = yield* seen(Actor.user(ana))
      assert.deepStrictEqual(streamsIn(anas), [`engagement-${first}`, `engagement-${second}`, `mentor-${ana}`])
      const cys = yield* seen(Actor.user(cy))
      assert.deepStrictEqual(streamsIn(cys), [`engagement-${second}`, `mentee-${cy}`])
      assert.deepStrictEqual(yield* seen(Actor.user(dan)), [])
    }).pipe(Effect.provide(Stint.layerMemory()))
  )

  it.effect("a private note reaches only its author, a shared one both parties, none staff", () =>
    Effect.gen(function* () {
      yield* story
      assert.deepStrictEqual(notesIn(yield* seen(Actor.user(ben))), ["shared by ben)", "ben's own)"])
      assert.deepStrictEqual(notesIn(yield* seen(Actor.user(ana))), ["shared by ben)", "ana's own)"])
      assert.deepStrictEqual(notesIn(yield* seen(Actor.user(cy))), [])
      for (const staff of [Actor.admin(Ids.UserId.make("root")), Actor.system]) {
        const all = yield* seen(staff)
        assert.deepStrictEqual(notesIn(all), [])
        // Every stream, and every event but the three notes.
        assert.deepStrictEqual(streamsIn(all), [
          `engagement-${first}`,
          `engagement-${second}`,
          `mentee-${ben}`,
          `mentee-${cy}`,
          `mentor-${ana}`
        ])
        const log = yield* Effect.flatMap(Stint.Stint, (stint) => Stream.runCount(stint.events()))
        assert.strictEqual(all.length, log - 3)
      }
    }).pipe(Effect.provide(Stint.layerMemory()))
  )

  it.effect("a feed resumed after the request still knows the engagement's parties", () =>
    Effect.gen(function* () {
      yield* story
      const stint = yield* Stint.Stint
      const log = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
      const agreed = log.find((e) => e.event._tag === "EngagementAgreed")!
      const after = yield* seen(Actor.user(ben), checkpointOf(agreed.record))
      assert.deepStrictEqual(notesIn(after), ["shared by ben)", "ben's own)"])
      assert.isFalse(after.some((l) => l.includes("EngagementRequested")))
      assert.deepStrictEqual(yield* seen(Actor.user(dan), checkpointOf(agreed.record)), [])
    }).pipe(Effect.provide(Stint.layerMemory()))
  )

  it.effect("the live feed shows a viewer's new events as they are appended, and not others'", () =>
    Effect.gen(function* () {
      yield* story
      const stint = yield* Stint.Stint
      const head = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events())).at(-1)!
      const withdrawn = `engagement-${second}`
      const live = yield* Feed.events(Actor.user(cy), { from: checkpointOf(head.record), live: true }).pipe(
        Stream.takeUntil((e) => e.record.streamId === withdrawn),
        Stream.runCollect,
        Effect.fork
      )
      // ben's note is not cy's to see; cy's own interests and withdrawal (the last event) are.
      yield* stint.execute(addNote(4, "shared", "not for cy"), { actor: Actor.user(ben) })
      yield* stint.execute(Command.DeclareInterests.make({ areas: [] }), { actor: Actor.user(cy) })
      yield* stint.execute(Command.WithdrawRequest.make({ engagementId: second }), { actor: Actor.user(cy) })
      const events = Chunk.toReadonlyArray(yield* live.await.pipe(Effect.flatten))
      assert.deepStrictEqual(
        events.map((e) => `${e.record.streamId}: ${e.event._tag}`),
        [`mentee-${cy}: InterestsDeclared`, `${withdrawn}: RequestWithdrawn`]
      )
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})

// ── the property ─────────────────────────────────────────────────────────────────────────────

/** A history with a note every few steps (generated histories rarely write them otherwise). */
const history = fc
  .record({
    scenario: A.scenario({ maxSteps: 30 }),
    noteEvery: fc.integer({ min: 2, max: 5 }),
    resumeAt: fc.nat()
  })
  .map(({ noteEvery, scenario, resumeAt }) => ({
    resumeAt,
    scenario: {
      ...scenario,
      steps: scenario.steps.flatMap((step, i): ReadonlyArray<A.Step> => {
        if ((i + 1) % noteEvery !== 0) return [step]
        const extra: A.Step = {
          template: { _tag: "Note", e: i % 2, note: i % 3, shared: i % 3 === 0 },
          actor: i % 4 === 0 ? "other" : "right",
          advance: 0
        }
        return [step, extra]
      })
    }
  }))

/**
 * The model: who may see an event, worked out from the log and the commands alone. A stream's owner
 * comes from its id; an engagement's audience is the mentee and mentor of its request; a private
 * note's audience is whoever sent the command that wrote it (found by its unique text).
 */
const audienceOf = (log: ReadonlyArray<Envelope>, noteAuthors: ReadonlyMap<string, string>) => {
  const engagementUsers = new Map<string, ReadonlyArray<string>>()
  for (const { event, record } of log) {
    if (event._tag === "EngagementRequested" && !engagementUsers.has(record.streamId)) {
      engagementUsers.set(record.streamId, [event.menteeId, event.mentorId])
    }
  }
  return ({ event, record }: Envelope): { readonly users: ReadonlyArray<string>; readonly staff: boolean } => {
    const [kind, ...rest] = record.streamId.split("-")
    const owner = rest.join("-")
    if (kind === "mentor" || kind === "mentee") return { users: [owner], staff: true }
    if (event._tag !== "NoteAdded") return { users: engagementUsers.get(record.streamId) ?? [], staff: true }
    if (event.visibility === "shared") return { users: engagementUsers.get(record.streamId) ?? [], staff: false }
    return { users: [noteAuthors.get(event.text) ?? "nobody"], staff: false }
  }
}

const viewers: ReadonlyArray<Actor.Actor> = [
  ...A.mentorIds.map(Actor.user),
  ...A.menteeIds.map(Actor.user),
  A.stranger,
  A.admin,
  Actor.system
]

const positionsOf = (events: Iterable<Envelope>) => [...events].map((e) => String(e.record.position))

/** How often the property met each case, over all runs (so a vacuous pass fails). */
const met = { privateNotes: 0, sharedNotes: 0, menteeStreams: 0, hiddenFromSomeone: 0 }

/** One generated history on memory: every viewer's feed against the model's grant. */
const property = ({ scenario, resumeAt }: typeof history extends fc.Arbitrary<infer T> ? T : never) =>
  Effect.gen(function* () {
    const stint = yield* Stint.Stint
    yield* TestClock.setTime(DateTime.toEpochMillis(A.start))
    for (const r of A.registrations(scenario.mentors)) yield* stint.execute(r.command, { actor: r.actor })
    let world = A.initialWorld(scenario.mentors)
    const noteAuthors = new Map<string, string>()
    for (const [i, step] of scenario.steps.entries()) {
      yield* TestClock.adjust(step.advance)
      world = { ...world, now: DateTime.unsafeMake(yield* Clock.currentTimeMillis) }
      const resolved = A.resolve(world, step, i)
      let command = resolved.command
      const text = `note ${i}`
      if (command._tag === "AddNote") command = { ...command, text }
      world = World.step(world, command, resolved.actor).world
      const result = yield* Effect.either(stint.execute(command, { actor: resolved.actor }))
      if (command._tag === "AddNote" && result._tag === "Right" && resolved.actor._tag === "User") {
        noteAuthors.set(text, resolved.actor.userId)
      }
    }

    const log = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
    const audience = audienceOf(log, noteAuthors)
    const resume = log.length === 0 ? undefined : log[resumeAt % log.length]!
    for (const viewer of viewers) {
      const grants = (e: Envelope) => {
        const a = audience(e)
        return viewer._tag === "User" ? a.users.includes(viewer.userId) : a.staff
      }
      const expected = log.filter(grants)
      const actual = Chunk.toReadonlyArray(yield* Stream.runCollect(Feed.events(viewer)))
      assert.deepStrictEqual(positionsOf(actual), positionsOf(expected), Actor.describe(viewer))
      if (expected.length < log.length) met.hiddenFromSomeone++
      if (resume !== undefined) {
        const from = checkpointOf(resume.record)
        const later = Chunk.toReadonlyArray(yield* Stream.runCollect(Feed.events(viewer, { from })))
        const expectedLater = expected.filter((e) => e.record.position > resume.record.position)
        assert.deepStrictEqual(positionsOf(later), positionsOf(expectedLater), `${Actor.describe(viewer)}, resumed`)
      }
    }
    for (const { event, record } of log) {
      if (event._tag === "NoteAdded") met[event.visibility === "private" ? "privateNotes" : "sharedNotes"]++
      if (record.streamId.startsWith("mentee-")) met.menteeStreams++
    }
  }).pipe(Effect.provide(Stint.layerMemory()), Effect.provide(TestContext.TestContext))

describe("Feed property", () => {
  it("every viewer sees exactly what the model grants them, from the start and resumed anywhere", async () => {
    await fc.assert(
      fc.asyncProperty(history, (input) => Effect.runPromise(property(input))),
      { numRuns: 40 }
    )
  }, 300_000)

  it("the generated histories held private and shared notes, mentee streams and hidden events", () => {
    for (const [name, count] of Object.entries(met)) assert.isAbove(count, 0, name)
  })
})
