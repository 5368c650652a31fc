/** Idempotent commands: command ids of callers' keys, and request fingerprints recorded with them. */
import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import * as Idempotency from "@stint/core/Idempotency"
import * as Stint from "@stint/core/Stint"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as fc from "fast-check"

const ana = Ids.UserId.make("ana")
const register = { _tag: "RegisterMentor", mentorId: ana, areas: [Ids.Area.make("go")] } as const
const asAna = Actor.user(ana)
const logLength = Effect.flatMap(Stint.Stint, (stint) => Stream.runCount(stint.events()))

describe("Idempotency.commandIdOf", () => {
  it("keys belong to their caller, and no (caller, key) pair collides with another", () => {
    // Joined with separators, user `vic:x` with key `k` and user `vic` with key `x:k` were one id.
    const vicX = Idempotency.commandIdOf(Actor.user(Ids.UserId.make("vic:x")), "k")
    const vic = Idempotency.commandIdOf(Actor.user(Ids.UserId.make("vic")), "x:k")
    assert.notStrictEqual(vicX, vic)
    assert.notStrictEqual(
      Idempotency.commandIdOf(Actor.user(ana), "k"),
      Idempotency.commandIdOf(Actor.admin(ana), "k"),
      "a user and an admin of the same id"
    )
    assert.strictEqual(Idempotency.commandIdOf(asAna, "k"), Idempotency.commandIdOf(asAna, "k"))
  })

  it("property: distinct (caller, key) pairs give distinct ids within the command id limit", () =>
    fc.assert(
      fc.property(
        fc.tuple(
          fc.constantFrom("user", "admin"),
          fc.stringMatching(/^[\w.@:+-]{1,20}$/),
          fc.string({ maxLength: 300 })
        ),
        fc.tuple(
          fc.constantFrom("user", "admin"),
          fc.stringMatching(/^[\w.@:+-]{1,20}$/),
          fc.string({ maxLength: 300 })
        ),
        (a, b) => {
          const id = ([kind, user, key]: readonly [string, string, string]) =>
            Idempotency.commandIdOf((kind === "user" ? Actor.user : Actor.admin)(Ids.UserId.make(user)), key)
          const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2]
          assert.strictEqual(id(a) === id(b), same)
          assert.isAtMost(id(a).length, 200)
        }
      )
    ))
})

describe("a command id reused for another request", () => {
  it.effect("is refused with CommandIdReused, nothing written; the same request again is a duplicate", () =>
    Effect.gen(function* () {
      const stint = yield* Stint.Stint
      const first = yield* stint.execute(register, { actor: asAna, commandId: "k1" })
      const before = yield* logLength
      const other = { ...register, areas: [Ids.Area.make("rust")] }
      const refused = yield* Effect.flip(stint.execute(other, { actor: asAna, commandId: "k1" }))
      assert.deepStrictEqual(refused._tag === "CommandIdReused" ? refused.commandId : refused._tag, "k1")
      const byOther = yield* Effect.flip(stint.execute(register, { actor: Actor.admin(ana), commandId: "k1" }))
      assert.strictEqual(byOther._tag, "CommandIdReused", "the same command from another actor")
      const again = yield* stint.execute(register, { actor: asAna, commandId: "k1" })
      assert.isTrue(again.duplicate)
      assert.deepStrictEqual(again.events, first.events)
      assert.strictEqual(yield* logLength, before)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )

  it.effect("is refused even when the first request decided nothing (and wrote no event)", () =>
    Effect.gen(function* () {
      const stint = yield* Stint.Stint
      yield* stint.execute(register, { actor: asAna })
      const before = yield* logLength
      // Resuming a mentor who is not paused decides nothing.
      const resume = { _tag: "ResumeMentoring", mentorId: ana } as const
      const first = yield* stint.execute(resume, { actor: asAna, commandId: "k2" })
      assert.deepStrictEqual([first.events.length, first.duplicate], [0, false])
      const pause = { _tag: "PauseMentoring", mentorId: ana } as const
      const refused = yield* Effect.flip(stint.execute(pause, { actor: asAna, commandId: "k2" }))
      assert.strictEqual(refused._tag, "CommandIdReused")
      const again = yield* stint.execute(resume, { actor: asAna, commandId: "k2" })
      assert.deepStrictEqual([again.events.length, again.duplicate], [0, true])
      assert.strictEqual(yield* logLength, before)
    }).pipe(Effect.provide(Stint.layerMemory()))
  )
})
