/** INV-12 under concurrency on the memory store: many agreements at once never overbook a mentor. */
import { assert, describe, it } from "@effect/vitest"
import { system, user } from "@stint/core/Actor"
import { Area, EngagementId, UserId } from "@stint/core/Ids"
import * as MemoryEventStore from "@stint/core/MemoryEventStore"
import * as Policy from "@stint/core/Policy"
import * as Stint from "@stint/core/Stint"
import { CapacityContract } from "@stint/testing"
import { Effect, Layer } from "effect"

/** Stint instances sharing one memory store, as handlers of separate processes would share a database. */
const sharedMemory = (instances: number): CapacityContract.CapacityBackend => ({
  instances,
  open: Effect.map(
    Layer.build(MemoryEventStore.layerMemory),
    (store) => () => Stint.layer().pipe(Layer.provide(Layer.succeedContext(store)), Layer.provide(Policy.layerDefault))
  )
})

CapacityContract.capacityContract("memory, one instance", sharedMemory(1))
CapacityContract.capacityContract("memory, two instances on one store", sharedMemory(2))

describe("agreement authority", () => {
  const mentorId = UserId.make("mentor-cap")
  const area = Area.make("typescript")
  const engagementId = EngagementId.make("c0000000-0000-4000-8000-000000000001")

  it.effect("the deadline process cannot agree on anyone's behalf", () =>
    Effect.gen(function* () {
      const stint = yield* Stint.Stint
      yield* stint.execute({ _tag: "RegisterMentor", mentorId, areas: [area] }, { actor: user(mentorId) })
      yield* stint.execute(
        {
          _tag: "RequestEngagement",
          engagementId,
          mentorId,
          area,
          need: "Help",
          goals: [{ statement: "Ship the thing", successCriterion: "It is shipped" }]
        },
        { actor: user(UserId.make("mentee-1")) }
      )
      const refused = yield* Effect.flip(stint.execute({ _tag: "AgreeEngagement", engagementId }, { actor: system }))
      assert.strictEqual(refused._tag, "NotAllowed")
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
