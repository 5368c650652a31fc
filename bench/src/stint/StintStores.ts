/**
 * Stint's event store on each backend, as a host would wire it: `MemoryEventStore.layerMemory`, or
 * `SqlEventStore.layer()` (WAL and `synchronous = FULL` on SQLite by default) over the driver's
 * `SqlClient` — better-sqlite3 through `@effect/sql-sqlite-node`, `pg` through `@effect/sql-pg` with
 * 10 connections.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import type { EventStore } from "@stint/core/EventStore"
import * as MemoryEventStore from "@stint/core/MemoryEventStore"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Place } from "../Subject.js"

/** The store's layer for a place (the SQL layers also hold the driver's `SqlClient`). */
export const layer = (place: Place): Layer.Layer<EventStore, unknown> => {
  switch (place._tag) {
    case "memory":
      return MemoryEventStore.layerMemory
    case "sqlite":
      return SqlEventStore.layer().pipe(Layer.provideMerge(SqliteClient.layer({ filename: place.filename })))
    case "pg":
      return SqlEventStore.layer().pipe(
        Layer.provideMerge(PgClient.layer({ url: Redacted.make(place.url), maxConnections: 10 }))
      )
  }
}

/** The durability settings of the store's own connection, read back through its `SqlClient`. */
export const settings: Effect.Effect<Record<string, string>, unknown> = Effect.gen(function* () {
  const client = yield* Effect.serviceOption(SqlClient.SqlClient)
  if (Option.isNone(client)) return { durability: "none (process memory)" }
  const sql = client.value
  return yield* sql.onDialectOrElse({
    sqlite: () =>
      Effect.gen(function* () {
        const [journal] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
        const [synchronous] = yield* sql<{ synchronous: number }>`PRAGMA synchronous`
        return {
          journal_mode: String(journal?.journal_mode),
          synchronous: String(synchronous?.synchronous),
          connections: "one (@effect/sql-sqlite-node)"
        }
      }),
    orElse: () =>
      Effect.map(
        sql<{ name: string; setting: string }>`SELECT name, setting FROM pg_settings
          WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes')`,
        (rows) => ({
          ...Object.fromEntries(rows.map((row) => [row.name, row.setting])),
          connections: "pool of 10 (@effect/sql-pg)"
        })
      )
  })
})
