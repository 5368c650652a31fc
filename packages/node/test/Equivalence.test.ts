/**
 * The Promise API adds no behaviour: generated command sequences run through the Effect `Stint` and
 * through the facade (both in memory, both on a clock the test sets) as the JSON a host would send
 * give the same results, the same
 * refusals (the same classes, with the same fields), the same log and the same read models.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Core from "@stint/core"
import { fromLayer, layer } from "@stint/node"
import { Arbitraries } from "@stint/testing"
import { Cause, DateTime, Effect, Exit, Layer, ManagedRuntime, Option, Schema, Stream } from "effect"
import * as fc from "fast-check"
import * as SetClock from "./clock.js"

/** A value as JSON (instants as ISO strings, bigints as strings), without the random event ids. */
const plain = (value: unknown): unknown =>
  value === undefined
    ? undefined
    : JSON.parse(
        JSON.stringify(value, (key, v) => (key === "eventId" ? undefined : typeof v === "bigint" ? v.toString() : v))
      )

/** What a call gave: its result, or the error's class and fields. */
const outcome = (result: { ok: unknown } | { error: unknown }) => {
  if ("ok" in result) return { ok: plain(result.ok) }
  const error = result.error
  assert.instanceOf(error, Error, "every rejection is an Error")
  return { class: error.constructor, fields: plain({ ...error }), message: error.message }
}

const encodeActor = Schema.encodeSync(Core.Actor.Actor)

describe("the Promise API against the Effect API", () => {
  it("gives the same results, refusals, events and read models for generated command sequences", async () => {
    await fc.assert(
      fc.asyncProperty(Arbitraries.scenario({ maxSteps: 30 }), async (scenario) => {
        const played = Arbitraries.play(scenario)
        const steps = [
          ...Arbitraries.registrations(scenario.mentors).map((r) => ({ ...r, now: Arbitraries.start })),
          ...played.traces.map((t) => ({ command: t.command, actor: t.actor, now: t.before.now }))
        ]
        const start = DateTime.toEpochMillis(Arbitraries.start)
        const effectClock = SetClock.make(start)
        const facadeClock = SetClock.make(start)
        const effectApi = ManagedRuntime.make(
          Core.Stint.layerMemory({ projections: Core.ReadModels.options() }).pipe(
            Layer.provide(Layer.setClock(effectClock))
          )
        )
        const facade = await fromLayer(
          layer({ logLevel: "None", deadlines: false }).pipe(Layer.provide(Layer.setClock(facadeClock)))
        )
        try {
          for (const [i, step] of steps.entries()) {
            effectClock.now = facadeClock.now = DateTime.toEpochMillis(step.now)
            const context = { actor: step.actor, commandId: `command-${i}` }
            // As JSON, the way a host sends it: generated commands may break their schema (to exercise
            // the deciders' bounds), and both APIs must then refuse them the same way.
            const input = plain(step.command)
            const exit = await effectApi.runPromiseExit(
              Effect.flatMap(Core.Stint.Stint, (stint) => stint.executeUnknown(input, context))
            )
            const viaEffect = Exit.isSuccess(exit)
              ? { ok: exit.value }
              : { error: Option.getOrThrow(Cause.failureOption(exit.cause)) }
            const viaFacade = await facade.executeUnknown(input, { ...context, actor: encodeActor(step.actor) }).then(
              (ok) => ({ ok }),
              (error: unknown) => ({ error })
            )
            assert.deepStrictEqual(outcome(viaFacade), outcome(viaEffect), `step ${i}: ${step.command._tag}`)
          }

          const log = await effectApi.runPromise(
            Effect.flatMap(Core.Stint.Stint, (stint) => Stream.runCollect(stint.events()))
          )
          const feed: Array<unknown> = []
          for await (const item of facade.events()) feed.push({ event: item.event, record: item.record })
          assert.deepStrictEqual(plain(feed), plain([...log]))

          await facade.catchUp()
          await effectApi.runPromise(Effect.flatMap(Core.Projections.Projections, (p) => p.catchUp()))
          const admin = Core.Actor.admin(Arbitraries.adminId)
          for (const id of Arbitraries.engagementIds) {
            const viaEffect = await effectApi.runPromise(
              Effect.flatMap(Core.Projections.Projections, (p) => p.view(Core.EngagementView.readModel, id, admin))
            )
            const viaFacade = await facade.engagementView(id, encodeActor(admin))
            assert.deepStrictEqual(plain(viaFacade), plain(Option.getOrUndefined(viaEffect)))
          }
          for (const id of Arbitraries.mentorIds) {
            const viaEffect = await effectApi.runPromise(
              Effect.flatMap(Core.Projections.Projections, (p) => p.view(Core.MentorLoad.readModel, id, admin))
            )
            assert.deepStrictEqual(
              plain(await facade.mentorLoad(id, encodeActor(admin))),
              plain(Option.getOrUndefined(viaEffect))
            )
          }
        } finally {
          await facade.close()
          await effectApi.dispose()
        }
      }),
      { numRuns: 25 }
    )
  })
})
