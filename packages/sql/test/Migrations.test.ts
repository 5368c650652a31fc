import { createHash, randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import { EventStore } from "@stint/core/EventStore"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import * as StreamId from "@stint/core/StreamId"
import * as Migrations from "@stint/sql/Migrations"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as Tables from "@stint/sql/Tables"
import { appendRequest, freshCommandId, newEvent } from "@stint/testing/StoreContract"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option } from "effect"
import { type Backend, backends } from "./fixtures.js"

/**
 * One command of two events to a new stream, written as the releases before migration 3 wrote it:
 * on PostgreSQL by the append function of migration 1, called as its caller called it; on SQLite as
 * the rows its append inserted (the first event holds every stream's version after the append).
 */
const appendAsReleased = (
  backend: Backend["name"],
  append: { readonly commandId: string; readonly streamId: string; readonly types: ReadonlyArray<string> }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const shared = {
      actor: Actor.system,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      recordedAt: new Date().toISOString()
    }
    const events = append.types.map((type) => ({ eventId: randomUUID(), type, schemaVersion: 1, data: { type } }))
    if (backend === "PostgreSQL") {
      const argument = {
        commandId: append.commandId,
        metadata: shared,
        streams: [{ streamId: append.streamId, mode: "no_stream", version: 0, events }]
      }
      yield* sql.unsafe("SELECT stint_append($1::jsonb) AS result", [JSON.stringify(argument)])
      return
    }
    const versions = JSON.stringify([[append.streamId, events.length]])
    for (const [i, event] of events.entries()) {
      yield* sql.unsafe(
        `INSERT INTO stint_events
          (position, commit_id, stream_id, version, event_id, type, data, metadata, command_id, append_versions)
          VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          i + 1,
          append.streamId,
          i + 1,
          event.eventId,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify({ ...shared, schemaVersion: 1 }),
          append.commandId,
          i === 0 ? versions : null
        ]
      )
    }
  })

for (const backend of backends) {
  describe.skipIf(backend.skip)(`migrations and tables, ${backend.name}`, () => {
    it.live("four stores starting at once on one database: all start, each migration applied once", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        const starts = yield* Effect.all(
          Array.from({ length: 4 }, () =>
            Effect.exit(Layer.build(SqlEventStore.layer().pipe(Layer.provide(backend.client(database)))))
          ),
          { concurrency: "unbounded" }
        )
        for (const start of starts) assert.isTrue(Exit.isSuccess(start), `a store failed to start: ${String(start)}`)
        const check = Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ readonly version: number }>`SELECT version FROM stint_migrations ORDER BY version`
          assert.deepStrictEqual(
            rows.map((row) => Number(row.version)),
            Migrations.all.map((migration) => migration.version)
          )
          // Starting again applies nothing.
          assert.deepStrictEqual(yield* Migrations.run(Tables.make()), [])
          assert.deepStrictEqual(
            yield* Migrations.applied(Tables.make()),
            Migrations.all.map((migration) => migration.version)
          )
          // Another prefix in the same database: never migrated, and reading that changes nothing.
          assert.deepStrictEqual(yield* Migrations.applied(Tables.make({ tablePrefix: "other_" })), [])
          assert.deepStrictEqual(yield* Migrations.applied(Tables.make({ tablePrefix: "other_" })), [])
        })
        yield* check.pipe(Effect.provide(backend.client(database)))
      }).pipe(Effect.scoped)
    )

    it.live("two table prefixes in one database are two independent stores", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        const storeWith = (tablePrefix: string) =>
          Effect.map(
            Layer.build(SqlEventStore.layer({ tablePrefix }).pipe(Layer.provide(backend.client(database)))),
            Context.get(EventStore)
          )
        const a = yield* storeWith("app_a_")
        const b = yield* storeWith("app_b_")
        const streamId = StreamId.make("shared", "one")
        yield* a.append(appendRequest([{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("InA")] }]))
        yield* b.append(appendRequest([{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("InB")] }]))
        assert.deepStrictEqual(
          (yield* a.readStream(streamId)).map((event) => event.type),
          ["InA"]
        )
        assert.deepStrictEqual(
          (yield* b.readStream(streamId)).map((event) => event.type),
          ["InB"]
        )
      }).pipe(Effect.scoped)
    )

    it.live(
      "migration 3 on a database written before it: its commands answer as duplicates, new ones are fingerprinted",
      () =>
        Effect.gen(function* () {
          const database = yield* backend.database
          const tables = Tables.make()
          const streamId = StreamId.make("legacy", randomUUID())
          const commandId = freshCommandId()
          // The schema as released before fingerprints, and a command appended by that release.
          yield* Effect.gen(function* () {
            assert.deepStrictEqual(yield* Migrations.run(tables, { through: 2 }), [1, 2])
            yield* appendAsReleased(backend.name, { commandId, streamId, types: ["Old1", "Old2"] })
          }).pipe(Effect.provide(backend.client(database)))

          // This release starts on it and applies migration 3.
          const store = yield* Effect.map(
            Layer.build(SqlEventStore.layer().pipe(Layer.provide(backend.client(database)))),
            Context.get(EventStore)
          )
          assert.deepStrictEqual(
            yield* Migrations.applied(tables).pipe(Effect.provide(backend.client(database))),
            Migrations.all.map((migration) => migration.version)
          )
          const old = yield* store.readStream(streamId)
          assert.deepStrictEqual(
            old.map((event) => [event.type, event.version, event.data, event.metadata.commandId]),
            [
              ["Old1", 1, { type: "Old1" }, commandId],
              ["Old2", 2, { type: "Old2" }, commandId]
            ]
          )
          const looked = Option.getOrThrow(yield* store.lookupCommand(commandId))
          assert.isUndefined(looked.fingerprint)
          assert.deepStrictEqual(looked.versions, [{ streamId, version: 2 }])
          assert.deepStrictEqual(
            looked.events.map((event) => event.eventId),
            old.map((event) => event.eventId)
          )

          // The old id sent again, now with a fingerprint: a retry (it had none to compare), nothing written.
          for (const fingerprint of ["after-upgrade", undefined]) {
            const again = yield* store.append(
              appendRequest([{ streamId, expected: ExpectedVersion.noStream, events: [newEvent("Again")] }], {
                commandId,
                ...(fingerprint === undefined ? {} : { fingerprint })
              })
            )
            assert.isTrue(again.duplicate)
            assert.isUndefined(again.fingerprint)
            assert.deepStrictEqual(again.versions, [{ streamId, version: 2 }])
            assert.deepStrictEqual(
              again.events.map((event) => event.eventId),
              old.map((event) => event.eventId)
            )
          }

          // New commands are recorded with their fingerprints, with events or without.
          const fresh = appendRequest([{ streamId, expected: ExpectedVersion.exact(2), events: [newEvent("New")] }], {
            fingerprint: "new"
          })
          assert.isFalse((yield* store.append(fresh)).duplicate)
          const reused = yield* Effect.flip(store.append({ ...fresh, fingerprint: "other" }))
          assert.strictEqual(reused._tag, "CommandIdReused")
          const check = appendRequest([{ streamId, expected: ExpectedVersion.exact(3), events: [] }], {
            fingerprint: "check"
          })
          assert.isFalse((yield* store.append(check)).duplicate)
          const checked = Option.getOrThrow(yield* store.lookupCommand(check.commandId))
          assert.deepStrictEqual(
            [checked.fingerprint, checked.events, checked.versions],
            ["check", [], [{ streamId, version: 3 }]]
          )
          assert.deepStrictEqual(
            (yield* store.readStream(streamId)).map((event) => event.type),
            ["Old1", "Old2", "New"]
          )
        }).pipe(Effect.scoped)
    )

    it.live("a table prefix that is not a plain identifier is refused when the store starts", () =>
      Effect.gen(function* () {
        const database = yield* backend.database
        for (const tablePrefix of ["stint; DROP TABLE x; --", "Upper_", "", "x".repeat(40)]) {
          const error = yield* Effect.flip(
            Layer.build(SqlEventStore.layer({ tablePrefix }).pipe(Layer.provide(backend.client(database))))
          )
          assert.strictEqual(
            (error as { readonly _tag?: string })._tag,
            "StoreError",
            `prefix ${JSON.stringify(tablePrefix)}`
          )
        }
      }).pipe(Effect.scoped)
    )
  })
}

describe("SQLite settings", () => {
  const sqlite = backends[0]!
  const pragma = (name: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Record<string, unknown>>(`PRAGMA ${name}`)).pipe(
      Effect.map((rows) => Object.values(rows[0] ?? {})[0])
    )

  it.live("WAL, synchronous=FULL and a busy timeout by default", () =>
    Effect.gen(function* () {
      const database = yield* sqlite.database
      const settings = yield* Effect.gen(function* () {
        yield* EventStore
        return {
          journal: yield* pragma("journal_mode"),
          synchronous: yield* pragma("synchronous"),
          busyTimeout: yield* pragma("busy_timeout")
        }
      }).pipe(Effect.provide(SqlEventStore.layer().pipe(Layer.provideMerge(sqlite.client(database)))))
      // synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
      assert.deepStrictEqual(settings, { journal: "wal", synchronous: 2, busyTimeout: 5000 })
    }).pipe(Effect.scoped)
  )

  it.live("synchronous=NORMAL and the busy timeout can be chosen", () =>
    Effect.gen(function* () {
      const database = yield* sqlite.database
      const settings = yield* Effect.gen(function* () {
        yield* EventStore
        return { synchronous: yield* pragma("synchronous"), busyTimeout: yield* pragma("busy_timeout") }
      }).pipe(
        Effect.provide(
          SqlEventStore.layer({ synchronous: "NORMAL", busyTimeout: "1 second" }).pipe(
            Layer.provideMerge(sqlite.client(database))
          )
        )
      )
      assert.deepStrictEqual(settings, { synchronous: 1, busyTimeout: 1000 })
    }).pipe(Effect.scoped)
  )
})

describe("released migrations", () => {
  // Databases in use have these applied and never run them again: a changed statement would leave
  // them on a schema new databases do not have. A change is the next migration, not an edit.
  const released: Record<number, string> = {
    1: "14a3cbcaa707ca807b79a10e324c1062c0c1f5b3dceabc838b97ea85099e8c30",
    2: "1e24f88db1952fa9218d20864b5c1f09e75d106e4443183bd09f8fb9aa112443",
    3: "8b3630ed7ad6d7b82ab8993116eb9f185d2d3c606fa374ba72f7644e0834cbab"
  }

  it("are the statements they were released with", () => {
    const tables = Tables.make()
    for (const migration of Migrations.all) {
      const statements = JSON.stringify({ sqlite: migration.sqlite(tables), pg: migration.pg(tables) })
      const digest = createHash("sha256").update(statements).digest("hex")
      if (released[migration.version] !== undefined) {
        assert.strictEqual(digest, released[migration.version], `migration ${migration.version} was edited`)
      }
    }
  })
})
