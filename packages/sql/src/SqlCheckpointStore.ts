/**
 * Named checkpoints in the `checkpoints` table. Every statement runs on the ambient `SqlClient`
 * connection, so inside `sql.withTransaction` a save commits (or rolls back) with the caller's own
 * writes — a projection's documents and its checkpoint together.
 */
import * as Checkpoint from "@stint/core/store/Checkpoint"
import { CheckpointConflict, CheckpointStore, type CheckpointStoreShape } from "@stint/core/store/CheckpointStore"
import { StoreError } from "@stint/core/store/StoreError"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Migrations from "./Migrations.js"
import * as Tables from "./Tables.js"

/** Options of the SQL checkpoint store. */
export interface Options extends Tables.TableOptions {
  /** Run the migrations when the store starts (default true). */
  readonly migrate?: boolean
}

/** Builds the checkpoint store over the `SqlClient` in context. */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* Tables.configure(options)
    if (options.migrate !== false) yield* Migrations.run(tables)
    const table = sql(tables.checkpoints)
    const pg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    // xid8 has no JavaScript type: it travels as text both ways on PostgreSQL; SQLite takes bigint.
    const commitValue = (checkpoint: Checkpoint.Checkpoint) =>
      pg ? sql`${String(checkpoint.commit)}::xid8` : sql`${checkpoint.commit}`
    const positionValue = (position: bigint) => (pg ? String(position) : position)
    const commitColumn = sql.literal(pg ? "commit_id::text AS commit_id" : "commit_id")
    const storeError = (method: string) => (cause: SqlError) => new StoreError({ method, cause })

    const current = (name: string) =>
      sql<{ readonly commit_id: string | number; readonly position: string | number }>`
        SELECT ${commitColumn}, position FROM ${table} WHERE name = ${name}`.pipe(
        // SQLite: read integers as bigint, so checkpoints past 2^53 come back exact.
        Effect.provideService(SqlClient.SafeIntegers, true),
        Effect.map(([row]) =>
          row === undefined ? Checkpoint.start : { commit: BigInt(row.commit_id), position: BigInt(row.position) }
        )
      )

    const load = (name: string) =>
      current(name).pipe(Effect.mapError(storeError("CheckpointStore.load")), Effect.withSpan("CheckpointStore.load"))

    const save = (name: string, move: { readonly from: Checkpoint.Checkpoint; readonly to: Checkpoint.Checkpoint }) =>
      Effect.gen(function* () {
        const updatedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
        // Compare-and-set in one statement: the row moves only from where the caller read it.
        const moved =
          Checkpoint.compare(move.from, Checkpoint.start) === 0
            ? yield* sql`INSERT INTO ${table} (name, commit_id, position, updated_at)
                VALUES (${name}, ${commitValue(move.to)}, ${positionValue(move.to.position)}, ${updatedAt})
                ON CONFLICT (name) DO UPDATE SET commit_id = excluded.commit_id, position = excluded.position,
                  updated_at = excluded.updated_at
                WHERE ${table}.commit_id = ${commitValue(move.from)} AND ${table}.position = ${positionValue(move.from.position)}
                RETURNING name`
            : yield* sql`UPDATE ${table} SET commit_id = ${commitValue(move.to)}, position = ${positionValue(move.to.position)},
                updated_at = ${updatedAt}
                WHERE name = ${name} AND commit_id = ${commitValue(move.from)} AND position = ${positionValue(move.from.position)}
                RETURNING name`
        if (moved.length === 0) {
          const actual = yield* current(name)
          return yield* new CheckpointConflict({
            name,
            expected: Checkpoint.format(move.from),
            actual: Checkpoint.format(actual)
          })
        }
      }).pipe(
        Effect.catchTag("SqlError", (cause) => Effect.fail(storeError("CheckpointStore.save")(cause))),
        Effect.withSpan("CheckpointStore.save", { attributes: { "stint.checkpoint": name } })
      )

    return CheckpointStore.of({ load, save } satisfies CheckpointStoreShape)
  })

/** The checkpoint store on the `SqlClient` the host provides; migrates on start. */
export const layer = (options?: Options): Layer.Layer<CheckpointStore, SqlError | StoreError, SqlClient.SqlClient> =>
  Layer.effect(CheckpointStore, make(options))
