/**
 * The wiring shown in docs/adapters.md, run as written (with a temporary file and the test server's
 * URL in place of the literals), so the guide cannot rot.
 */
import { Actor, Ids, Policy, Stint } from "@stint/core"
import { SqlEventStore } from "@stint/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { describePg, freshPgDatabase, temporaryDirectory } from "./fixtures.js"

/** A host program: register a mentor, read it back. */
const program = Effect.gen(function* () {
  const stint = yield* Stint.Stint
  const ana = Ids.UserId.make("ana")
  yield* stint.execute(
    { _tag: "RegisterMentor", mentorId: ana, areas: [Ids.Area.make("typescript")] },
    { actor: Actor.user(ana) }
  )
  return yield* stint.mentor(ana)
})

describe("docs/adapters.md wiring", () => {
  it.live("SQLite", () =>
    Effect.gen(function* () {
      const directory = yield* temporaryDirectory
      const filename = `${directory}/stint.db`
      // --- docs/adapters.md: SQLite ---
      const SqlLive = SqliteClient.layer({ filename })
      const StintLive = Stint.layer().pipe(
        Layer.provide(SqlEventStore.layer()),
        Layer.provide(Policy.layerDefault),
        Layer.provide(SqlLive)
      )
      const mentor = yield* program.pipe(Effect.provide(StintLive))
      // --- end ---
      assert.strictEqual(mentor?.mentorId, "ana")
    }).pipe(Effect.scoped)
  )
})

describePg("docs/adapters.md wiring", () => {
  it.live("PostgreSQL", () =>
    Effect.gen(function* () {
      const url = yield* freshPgDatabase
      // --- docs/adapters.md: PostgreSQL ---
      const SqlLive = PgClient.layer({ url: Redacted.make(url), maxConnections: 10 })
      const StintLive = Stint.layer().pipe(
        Layer.provide(SqlEventStore.layer()),
        Layer.provide(Policy.layerDefault),
        Layer.provide(SqlLive)
      )
      const mentor = yield* program.pipe(Effect.provide(StintLive))
      // --- end ---
      assert.strictEqual(mentor?.mentorId, "ana")
    }).pipe(Effect.scoped)
  )
})
