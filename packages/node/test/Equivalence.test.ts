/**
 * The Promise API adds no behaviour: generated command sequences run through the Effect `Stint` and
 * through the facade (both in memory, both on a clock the test sets) as the JSON a host would send
 * give the same results, the same refusals (the same classes, with the same fields), the same log
 * and the same documents of all seven built-in read models.
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
    // The read models that had a document to compare in some run: all six keyed ones, or the property proves little.
    const compared = new Set<string>()
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
          // Every built-in read model, as an admin sees it, through both APIs.
          const admin = Core.Actor.admin(Arbitraries.adminId)
          const viewer = encodeActor(admin)
          const viaEffect = <D, I, V>(readModel: Core.ReadModel.ReadModel<D, I, V>, key: string) =>
            effectApi
              .runPromise(Effect.flatMap(Core.Projections.Projections, (p) => p.view(readModel, key, admin)))
              .then((found) => {
                if (Option.isSome(found)) compared.add(readModel.projection.name)
                return plain(Option.getOrUndefined(found))
              })
          for (const id of Arbitraries.engagementIds) {
            assert.deepStrictEqual(
              plain(await facade.engagementView(id, viewer)),
              await viaEffect(Core.EngagementView.readModel, id)
            )
            assert.deepStrictEqual(
              plain(await facade.sessionJournal(id, viewer)),
              await viaEffect(Core.SessionJournal.readModel, id)
            )
          }
          for (const id of Arbitraries.mentorIds) {
            assert.deepStrictEqual(
              plain(await facade.mentorLoad(id, viewer)),
              await viaEffect(Core.MentorLoad.readModel, id)
            )
            assert.deepStrictEqual(
              plain(await facade.mentorInbox(id, viewer)),
              await viaEffect(Core.MentorInbox.readModel, id)
            )
          }
          for (const id of Arbitraries.menteeIds) {
            assert.deepStrictEqual(
              plain(await facade.menteeNetwork(id, viewer)),
              await viaEffect(Core.MenteeNetwork.readModel, id)
            )
          }
          assert.deepStrictEqual(
            plain(await facade.programMetrics(viewer)),
            await viaEffect(Core.ProgramMetrics.readModel, "")
          )
          const due = await effectApi.runPromise(
            Effect.flatMap(Core.Projections.Projections, (p) =>
              p.listView(Core.Deadlines.readModel, { index: "due", limit: 1000 }, admin)
            )
          )
          assert.deepStrictEqual(plain((await facade.deadlines(viewer, { limit: 1000 })).items), plain(due.items))
        } finally {
          await facade.close()
          await effectApi.dispose()
        }
      }),
      { numRuns: 25 }
    )
    assert.deepStrictEqual([...compared].sort(), [
      "engagement-view",
      "mentee-network",
      "mentor-inbox",
      "mentor-load",
      "program-metrics",
      "session-journal"
    ])
  })
})
