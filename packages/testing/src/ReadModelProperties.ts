/**
 * The read-model properties, run against any store (memory, SQLite, PostgreSQL):
 *
 * - INV-19: generated histories are applied to the built-in read models as the runners apply them —
 *   inline projections per append, async ones in batches of a random size at random moments — and the
 *   stored documents equal one full rebuild (`applyAll` over the whole log); the programme's totals
 *   reconcile (requested = agreed + declined + withdrawn + expired + still open).
 * - INV-16: every note carries a unique canary token; every document of every read model, as every
 *   user, admin and the system may see it, holds a private note's token only for its author, a shared
 *   note's token only for the two participants, and no token for staff; no read model but the
 *   journal holds any token at all.
 */
import * as Actor from "@stint/core/Actor"
import type { Command } from "@stint/core/Command"
import * as Projection from "@stint/core/Projection"
import * as Projections from "@stint/core/Projections"
import type * as ReadModel from "@stint/core/ReadModel"
import * as ProgramMetrics from "@stint/core/ProgramMetrics"
import * as ReadModels from "@stint/core/ReadModels"
import * as SessionJournal from "@stint/core/SessionJournal"
import * as Stint from "@stint/core/Stint"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as FastCheck from "fast-check"
import type * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as A from "./Arbitraries.js"
import * as World from "./World.js"

/** Builds Stint with the given projections over new, empty storage. */
export type Subject = (projections: Projections.Options) => Layer.Layer<Stint.Stint | Projections.Projections, unknown>

interface Canary {
  readonly token: string
  readonly author: string
  readonly engagementId: string
  readonly visibility: "private" | "shared"
}

/** A history, with when the async runners catch up (after which steps) and their batch size. */
const plan = FastCheck.record({
  scenario: A.scenario({ maxSteps: 40 }),
  batchSize: FastCheck.integer({ min: 1, max: 40 }),
  catchUpAfter: FastCheck.array(FastCheck.nat(60), { maxLength: 6 }),
  /** Generated histories rarely add notes: one every few steps, by the right party, makes them common. */
  noteEvery: FastCheck.integer({ min: 2, max: 6 })
}).map(({ noteEvery, scenario, ...rest }) => ({
  ...rest,
  scenario: {
    ...scenario,
    steps: scenario.steps.flatMap(
      (step, i): ReadonlyArray<A.Step> =>
        (i + 1) % noteEvery === 0
          ? [
              step,
              {
                template: { _tag: "Note", e: 0, note: i % 3, shared: i % 2 === 0 },
                actor: i % 5 === 0 ? "other" : "right",
                advance: 0
              }
            ]
          : [step]
    )
  }
}))

/** Tokens unique across runs of a suite (a token prefix of another would make a false alarm). */
let canariesMade = 0

const viewers: ReadonlyArray<Actor.Actor> = [
  ...A.mentorIds.map(Actor.user),
  ...A.menteeIds.map(Actor.user),
  Actor.user(A.strangerId),
  Actor.admin(A.adminId),
  Actor.system
]

/** Every stored document of a projection, by id, encoded (as compared with the rebuild). */
const storedDocuments = (projection: Projections.AnyProjection) =>
  Effect.gen(function* () {
    const projections = yield* Projections.Projections
    const encode = Schema.encodeSync(projection.document)
    const documents: Record<string, unknown> = {}
    let cursor: string | undefined
    do {
      const page = yield* projections.list(projection, { limit: 1000, ...(cursor ? { cursor } : {}) })
      for (const item of page.items) documents[item.id] = encode(item.document)
      cursor = page.next
    } while (cursor !== undefined)
    return documents
  })

/** Every document of a read model as `viewer` sees it, serialised. */
const served = (readModel: ReadModel.Any, viewer: Actor.Actor) =>
  Effect.gen(function* () {
    const projections = yield* Projections.Projections
    const seen: Array<string> = []
    let cursor: string | undefined
    do {
      const page = yield* projections.listView(readModel, { limit: 1000, ...(cursor ? { cursor } : {}) }, viewer)
      for (const item of page.items) seen.push(JSON.stringify(item.document))
      cursor = page.next
    } while (cursor !== undefined)
    return seen.join("\n")
  })

const property = (subject: Subject, input: typeof plan extends FastCheck.Arbitrary<infer T> ? T : never) =>
  Effect.gen(function* () {
    const stint = yield* Stint.Stint
    const projections = yield* Projections.Projections
    yield* TestClock.setTime(DateTime.toEpochMillis(A.start))
    for (const r of A.registrations(input.scenario.mentors)) yield* stint.execute(r.command, { actor: r.actor })
    let world = A.initialWorld(input.scenario.mentors)
    const canaries: Array<Canary> = []
    const catchUps = new Set(input.catchUpAfter)
    for (const [i, step] of input.scenario.steps.entries()) {
      yield* TestClock.adjust(step.advance)
      world = { ...world, now: DateTime.unsafeMake(yield* Clock.currentTimeMillis) }
      const resolved = A.resolve(world, step, i)
      let command: Command = resolved.command
      const token = `canary${++canariesMade}x${i}z`
      if (command._tag === "AddNote") command = { ...command, text: `note ${token}` }
      world = World.step(world, command, resolved.actor).world
      const result = yield* Effect.either(stint.execute(command, { actor: resolved.actor }))
      if (command._tag === "AddNote" && result._tag === "Right" && resolved.actor._tag === "User") {
        canaries.push({
          token,
          author: resolved.actor.userId,
          engagementId: command.engagementId,
          visibility: command.visibility
        })
      }
      if (catchUps.has(i)) yield* projections.catchUp()
    }
    yield* projections.catchUp()

    // INV-19: what the runners stored equals one rebuild over the whole log.
    const log = Chunk.toReadonlyArray(yield* Stream.runCollect(stint.events()))
    for (const readModel of ReadModels.all) {
      const projection = readModel.projection
      const encode = Schema.encodeSync(projection.document)
      const rebuilt = Object.fromEntries(
        [...Projection.applyAll(projection, new Map(), log)].map(([id, document]) => [id, encode(document)])
      )
      assert.deepStrictEqual(yield* storedDocuments(projection), rebuilt, `${projection.name} differs from a rebuild`)
    }
    const programme = yield* projections.get(ProgramMetrics.projection, ProgramMetrics.programmeId)
    if (programme._tag === "Some" && programme.value._tag === "Programme") {
      const r = programme.value.requests
      assert.strictEqual(r.requested, r.agreed + r.declined + r.withdrawn + r.expired + r.open, "totals reconcile")
    }

    // INV-16: private tokens only for their author; shared ones only for participants; none for staff.
    const participants = new Map<string, ReadonlySet<string>>()
    for (const canary of canaries) {
      const e = yield* stint.engagement(canary.engagementId as never)
      participants.set(canary.engagementId, new Set(e ? [e.menteeId, e.mentorId] : []))
    }
    for (const readModel of ReadModels.all) {
      for (const viewer of viewers) {
        const text = yield* served(readModel, viewer)
        for (const canary of canaries) {
          if (!text.includes(canary.token)) continue
          const who = `${Actor.describe(viewer)} sees ${canary.visibility} note ${canary.token} in ${readModel.projection.name}`
          assert.strictEqual(readModel.projection.name, SessionJournal.projection.name, who)
          assert.strictEqual(viewer._tag, "User", who)
          const userId = viewer._tag === "User" ? viewer.userId : ""
          if (canary.visibility === "private") assert.strictEqual(userId, canary.author, who)
          else assert.isTrue(participants.get(canary.engagementId)?.has(userId), who)
        }
      }
    }
    // The journal does serve notes: the check above is not vacuous when notes were written.
    for (const canary of canaries) {
      const text = yield* served(SessionJournal.readModel, Actor.user(canary.author as never))
      assert.include(text, canary.token, `the author of ${canary.token} sees it`)
    }
    return canaries.length
  }).pipe(
    Effect.provide(subject(ReadModels.options({ batchSize: input.batchSize, run: false }))),
    Effect.provide(TestContext.TestContext)
  )

/** The read-model properties on a store. */
export const readModelProperties = (name: string, subject: Subject, options: { readonly numRuns: number }): void => {
  describe(`read-model properties: ${name}`, () => {
    it("INV-19 batches equal a rebuild, totals reconcile; INV-16 notes reach only whom they may", async () => {
      let notes = 0
      await FastCheck.assert(
        FastCheck.asyncProperty(plan, async (input) => {
          notes += await Effect.runPromise(property(subject, input) as Effect.Effect<number>)
        }),
        { numRuns: options.numRuns }
      )
      assert.isAbove(notes, 0, "the generated histories wrote notes")
    }, 600_000)
  })
}
