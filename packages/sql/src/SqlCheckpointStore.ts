/**
 * Named checkpoints in the `checkpoints` table. Every statement runs on the ambient `SqlClient`
 * connection, so inside `sql.withTransaction` a save commits (or rolls back) with the caller's own
 * writes — a projection's documents and its checkpoint together.
 */
import * as Checkpoint from "@stint/core/Checkpoint"
import { CheckpointConflict, CheckpointStore, type CheckpointStoreShape } from "@stint/core/CheckpointStore"
import { StoreError } from "@stint/core/StoreError"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Execution from "./internal/Execution.js"
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
    const tables = yield* Tables.configure(options)
    const { dialect, onConnection } = yield* Execution.fromContext
    if (options.migrate !== false) yield* Migrations.run(tables)
    const t = tables.checkpoints
    const d = dialect
    const statements = {
      current: d.text(`SELECT ${d.asText("commit_id")}, position FROM ${t} WHERE name = ?`),
      // Compare-and-set in one statement: the row moves only from where the caller read it.
      insert: d.text(`INSERT INTO ${t} (name, commit_id, position, updated_at) VALUES (?, ${d.cast("?", "xid8")}, ?, ?)
        ON CONFLICT (name) DO UPDATE SET commit_id = excluded.commit_id, position = excluded.position,
          updated_at = excluded.updated_at
        WHERE ${t}.commit_id = ${d.cast("?", "xid8")} AND ${t}.position = ?
        RETURNING name`),
      update: d.text(`UPDATE ${t} SET commit_id = ${d.cast("?", "xid8")}, position = ?, updated_at = ?
        WHERE name = ? AND commit_id = ${d.cast("?", "xid8")} AND position = ?
        RETURNING name`)
    }
    const storeError = (method: string) => (cause: SqlError) => new StoreError({ method, cause })

    const current = (name: string) =>
      onConnection((c) =>
        Execution.query<{ readonly commit_id: string | number | bigint; readonly position: string | number | bigint }>(
          c,
          statements.current,
          [name]
        )
      ).pipe(
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
        const { from, to } = move
        const moved = yield* onConnection((c) =>
          Checkpoint.compare(from, Checkpoint.start) === 0
            ? Execution.query(c, statements.insert, [
                name,
                d.int64(to.commit),
                d.int64(to.position),
                updatedAt,
                d.int64(from.commit),
                d.int64(from.position)
              ])
            : Execution.query(c, statements.update, [
                d.int64(to.commit),
                d.int64(to.position),
                updatedAt,
                name,
                d.int64(from.commit),
                d.int64(from.position)
              ])
        )
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
