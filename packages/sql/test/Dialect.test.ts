/**
 * One dialect module: a database other than SQLite or PostgreSQL is refused the same way by every
 * store and by the migrations, before anything is written; placeholders are numbered for PostgreSQL;
 * event metadata reads back as it was written.
 */
import * as Actor from "@stint/core/Actor"
import * as Ids from "@stint/core/Ids"
import { metadataOf } from "@stint/core/RecordedEvent"
import * as Migrations from "@stint/sql/Migrations"
import * as SqlCheckpointStore from "@stint/sql/SqlCheckpointStore"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import * as Tables from "@stint/sql/Tables"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Either, Layer } from "effect"
import * as Dialect from "../src/internal/Dialect.js"
import * as Metadata from "../src/internal/Metadata.js"
import { sqliteClient } from "./fixtures.js"

/** The SQLite client, answering `onDialectOrElse` as a database Stint does not run on would. */
const otherDatabase = Layer.effect(
  SqlClient.SqlClient,
  Effect.map(
    SqlClient.SqlClient,
    (sql) =>
      new Proxy(sql, {
        get: (target, key, receiver) =>
          key === "onDialectOrElse"
            ? (cases: { readonly orElse: () => unknown }) => cases.orElse()
            : Reflect.get(target, key, receiver)
      })
  )
)

describe("the dialect", () => {
  it.live("every store and the migrations refuse another database with one error, and write nothing", () =>
    Effect.gen(function* () {
      const tables = Tables.make()
      const starts: Record<
        string,
        Effect.Effect<unknown, { readonly _tag: string; readonly message: string }, SqlClient.SqlClient>
      > = {
        eventStore: Layer.build(SqlEventStore.layer()).pipe(Effect.provide(otherDatabase), Effect.scoped),
        projectionStore: Layer.build(SqlProjectionStore.layer()).pipe(Effect.provide(otherDatabase), Effect.scoped),
        checkpointStore: Layer.build(SqlCheckpointStore.layer()).pipe(Effect.provide(otherDatabase), Effect.scoped),
        run: Migrations.run(tables).pipe(Effect.provide(otherDatabase)),
        applied: Migrations.applied(tables).pipe(Effect.provide(otherDatabase))
      }
      for (const [name, start] of Object.entries(starts)) {
        const error = yield* Effect.flip(start)
        assert.strictEqual(error._tag, "StoreError", name)
        assert.strictEqual(error.message, Dialect.unsupported().message, name)
        assert.strictEqual((error as { readonly method?: string }).method, "configure", name)
      }
      // The database underneath was never migrated.
      assert.deepStrictEqual(yield* Migrations.applied(tables), [])
    }).pipe(Effect.provide(sqliteClient()), Effect.scoped)
  )

  it("numbers placeholders for PostgreSQL only", () => {
    const statement = "SELECT a FROM t WHERE b = ? AND c IN (?, ?)"
    assert.strictEqual(Dialect.sqlite.text(statement), statement)
    assert.strictEqual(Dialect.pg.text(statement), "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)")
  })

  it("stored metadata reads back as the metadata of the append", () => {
    const request = {
      commandId: Ids.CommandId.make("command-1"),
      actor: Actor.user(Ids.UserId.make("ada")),
      correlationId: "correlation-1",
      causationId: "causation-1",
      streams: []
    }
    const recordedAt = DateTime.unsafeMake("2024-05-01T10:00:00.000Z")
    const stored = Metadata.forEvent(Metadata.shared(request, recordedAt), 3)
    const read = Metadata.decode(JSON.parse(stored), request.commandId)
    assert.deepStrictEqual(read, Either.right(metadataOf(request, 3, recordedAt)))
    assert.deepStrictEqual(
      Metadata.decode({ ...JSON.parse(stored), schemaVersion: "3" }, request.commandId),
      Either.left("the stored metadata has no integer schema version")
    )
  })
})
