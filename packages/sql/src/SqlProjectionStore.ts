/**
 * Projection storage on SQL: the generations in `projections`, documents as JSON in `documents`, and
 * every index key in `document_keys` (ordered as bytes, so `list` is one range scan of its primary
 * key). A commit writes documents, keys and the checkpoint in one transaction, or joins the caller's
 * (an inline projection inside its append). On PostgreSQL a runner's lease is a session advisory lock,
 * and an inline switch takes the lock every append holds shared.
 */
import * as Checkpoint from "@stint/core/Checkpoint"
import { CheckpointConflict } from "@stint/core/CheckpointStore"
import {
  type EncodedQuery,
  type Generation,
  ProjectionStore,
  type ProjectionStoreShape,
  type StoredChange,
  type Target
} from "@stint/core/ProjectionStore"
import { StoreError } from "@stint/core/StoreError"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Execution from "./internal/Execution.js"
import * as InlineLock from "./internal/InlineLock.js"
import * as Leases from "./internal/Leases.js"
import * as Migrations from "./Migrations.js"
import * as Tables from "./Tables.js"

/** Options of the SQL projection store. */
export interface Options extends Tables.TableOptions {
  /** Run the migrations when the store starts (default true). */
  readonly migrate?: boolean
}

interface GenerationRow {
  readonly name: string
  readonly generation: number | string
  readonly version: number | string
  readonly inline: boolean | number | bigint
  readonly state: string
  readonly commit_id: number | string | bigint
  readonly position: number | string | bigint
  readonly events_done: number | string | bigint
}

const generationOf = (row: GenerationRow): Generation => ({
  name: row.name,
  generation: Number(row.generation),
  version: Number(row.version),
  inline: row.inline === true || Number(row.inline) === 1,
  state: row.state as Generation["state"],
  checkpoint: { commit: BigInt(row.commit_id), position: BigInt(row.position) },
  eventsDone: Number(row.events_done)
})

/** Rows per multi-row statement: well under SQLite's and PostgreSQL's parameter limits. */
const chunkRows = 500

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Builds the projection store over the `SqlClient` in context. */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const tables = yield* Tables.configure(options)
    const execution = yield* Execution.fromContext
    const { dialect, onConnection, transaction } = execution
    if (options.migrate !== false) yield* Migrations.run(tables)
    const { text } = dialect
    const query = Execution.query
    const t = tables
    const pg = dialect.name === "pg"
    const columns = "name, generation, version, inline, state, commit_id, position, events_done"
    const storeError = (method: string) => (cause: SqlError) => new StoreError({ method, cause })
    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())
    // SQLite: read integers as bigint, so checkpoints past 2^53 come back exact.
    const safe = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.provideService(effect, SqlClient.SafeIntegers, true)

    const statements = {
      generations: text(`SELECT ${columns} FROM ${t.projections} WHERE name = ? ORDER BY generation`),
      create: text(`INSERT INTO ${t.projections} (${columns}, updated_at)
        SELECT ?, coalesce(max(generation), 0) + 1, ?, ?, 'building', 0, 0, 0, ? FROM ${t.projections} WHERE name = ?
        RETURNING ${columns}`),
      served: text(`SELECT ${columns} FROM ${t.projections} WHERE name = ? AND state <> 'retired'
        ORDER BY CASE WHEN state = 'live' THEN 0 ELSE 1 END, generation DESC LIMIT 1`),
      move: text(`UPDATE ${t.projections} SET commit_id = ?, position = ?, events_done = events_done + ?, updated_at = ?
        WHERE name = ? AND generation = ? AND commit_id = ? AND position = ?
          AND state <> 'retired' AND NOT (state = 'live' AND ${dialect.isTrue("inline")})`),
      current: text(`SELECT ${columns} FROM ${t.projections} WHERE name = ? AND generation = ?`),
      // Every generation of the projection, locked in one order (no deadlock between two switches).
      // PostgreSQL returns a row it waited for as the other transaction left it: states are current.
      lockGenerations: text(`SELECT generation, state FROM ${t.projections} WHERE name = ?
        ORDER BY generation${dialect.lockRows}`),
      promote: text(`UPDATE ${t.projections}
        SET state = CASE WHEN generation = ? THEN 'live' ELSE 'retired' END, updated_at = ?
        WHERE name = ? AND (generation = ? OR state <> 'retired')`),
      dropDocuments: text(`DELETE FROM ${t.documents} WHERE projection = ? AND generation <> ?`),
      dropKeys: text(`DELETE FROM ${t.documentKeys} WHERE projection = ? AND generation <> ?`)
    }
    const documentColumn = dialect.asText("document")
    const idList = (n: number) => Array.from({ length: n }, () => "?").join(", ")

    const generations = (name: string) =>
      onConnection((c) => safe(query<GenerationRow>(c, statements.generations, [name]))).pipe(
        Effect.map((rows) => rows.map(generationOf)),
        Effect.mapError(storeError("ProjectionStore.generations"))
      )

    const create = (name: string, { inline, version }: { readonly version: number; readonly inline: boolean }) =>
      Effect.flatMap(now, (at) =>
        onConnection((c) =>
          safe(query<GenerationRow>(c, statements.create, [name, version, dialect.boolean(inline), at, name]))
        )
      ).pipe(
        Effect.map((rows) => generationOf(rows[0]!)),
        // Two processes creating a generation at once: one insert wins the number, the other retries.
        Effect.retry({ times: 3, while: (e) => (e.cause as { code?: unknown })?.code === "23505" }),
        Effect.mapError(storeError("ProjectionStore.create"))
      )

    const served = (name: string) =>
      onConnection((c) => safe(query<GenerationRow>(c, statements.served, [name]))).pipe(
        Effect.map(([row]) => (row === undefined ? undefined : generationOf(row))),
        Effect.mapError(storeError("ProjectionStore.served"))
      )

    const servedAll = (names: ReadonlyArray<string>) =>
      onConnection((c) =>
        safe(
          query<GenerationRow>(
            c,
            text(`SELECT ${columns} FROM ${t.projections} WHERE state <> 'retired' AND name IN (${idList(names.length)})
              ORDER BY name, CASE WHEN state = 'live' THEN 0 ELSE 1 END, generation DESC`),
            names
          )
        )
      ).pipe(
        Effect.map((rows) => {
          const found = new Map<string, Generation>()
          // The first row of each name is its served generation (live, else the newest building).
          for (const row of rows) if (!found.has(row.name)) found.set(row.name, generationOf(row))
          return found
        }),
        Effect.mapError(storeError("ProjectionStore.servedAll"))
      )

    /** PostgreSQL: transaction-scoped locks on documents, in id order, so two writers never deadlock. */
    const lockDocuments = (c: SqlConnection.Connection, target: Target, ids: ReadonlyArray<string>) =>
      query(
        c,
        `SELECT pg_advisory_xact_lock(hashtextextended($1 || id, 0))::text AS locked FROM unnest($2::text[]) AS id`,
        [`${t.prefix}${target.name}#${target.generation}:`, [...ids].sort()]
      )

    const getMany = (target: Target, ids: ReadonlyArray<string>, opts?: { readonly lock?: boolean }) =>
      onConnection((c) =>
        Effect.gen(function* () {
          const found = new Map<string, unknown>()
          if (ids.length === 0) return found
          // Locked first, by a statement of its own: under READ COMMITTED the read below then takes its
          // snapshot after the locks, so it sees the last writer's commit (one statement would not).
          if (pg && opts?.lock) yield* lockDocuments(c, target, ids)
          for (const part of chunks(ids, chunkRows)) {
            const rows = pg
              ? yield* query<{ id: string; document: string }>(
                  c,
                  `SELECT id, ${documentColumn} FROM ${t.documents}
                    WHERE projection = $1 AND generation = $2 AND id = ANY($3::text[])`,
                  [target.name, target.generation, part]
                )
              : yield* query<{ id: string; document: string }>(
                  c,
                  `SELECT id, document FROM ${t.documents}
                    WHERE projection = ? AND generation = ? AND id IN (${idList(part.length)})`,
                  [target.name, target.generation, ...part]
                )
            for (const row of rows) found.set(row.id, JSON.parse(row.document))
          }
          return found
        })
      ).pipe(Effect.mapError(storeError("ProjectionStore.getMany")))

    const list = (target: Target, q: EncodedQuery) =>
      onConnection((c) => {
        const asc = q.direction === "asc"
        const after = q.after === undefined ? "" : `AND (key, id) ${asc ? ">" : "<"} (?, ?)`
        const order = asc ? "ASC" : "DESC"
        const bounds = [q.low, q.high, ...(q.after === undefined ? [] : [q.after.key, q.after.id])]
        const statement =
          q.index === undefined
            ? `SELECT id, id AS key, ${documentColumn} FROM ${t.documents}
                WHERE projection = ? AND generation = ? AND id >= ? AND id < ?
                ${q.after === undefined ? "" : `AND id ${asc ? ">" : "<"} ?`}
                ORDER BY id ${order} LIMIT ?`
            : `SELECT k.id, k.key, ${dialect.asText("d.document", "document")}
                FROM ${t.documentKeys} k JOIN ${t.documents} d
                  ON d.projection = k.projection AND d.generation = k.generation AND d.id = k.id
                WHERE k.projection = ? AND k.generation = ? AND k.idx = ? AND k.key >= ? AND k.key < ?
                ${after.replace("(key, id)", "(k.key, k.id)")}
                ORDER BY k.key ${order}, k.id ${order} LIMIT ?`
        const params =
          q.index === undefined
            ? [target.name, target.generation, q.low, q.high, ...(q.after === undefined ? [] : [q.after.id]), q.limit]
            : [target.name, target.generation, q.index, ...bounds, q.limit]
        return query<{ id: string; key: string; document: string }>(c, text(statement), params)
      }).pipe(
        Effect.map((rows) => ({
          items: rows.map((row) => ({ id: row.id, key: row.key, document: JSON.parse(row.document) }))
        })),
        Effect.mapError(storeError("ProjectionStore.list"))
      )

    /**
     * PostgreSQL: every change in one statement (a round trip counts there): documents upserted and
     * deleted, keys no longer held deleted, new keys inserted. The key sets the two key statements
     * touch are disjoint, so they can run in one statement's snapshot.
     */
    const writeChangesPg = (c: SqlConnection.Connection, target: Target, changes: ReadonlyArray<StoredChange>) => {
      const written = changes.filter((change) => change.document !== undefined)
      const keys = written.flatMap((change) => change.keys.map((k) => [k.index, k.key, change.id] as const))
      return query(
        c,
        `WITH put AS (
           INSERT INTO ${t.documents} (projection, generation, id, document)
           SELECT $1, $2, p.id, p.document FROM unnest($4::text[], $5::jsonb[]) AS p(id, document)
           ON CONFLICT (projection, generation, id) DO UPDATE SET document = excluded.document
         ), gone AS (
           DELETE FROM ${t.documents} WHERE projection = $1 AND generation = $2 AND id = ANY($6::text[])
         ), stale AS (
           DELETE FROM ${t.documentKeys} k
           WHERE k.projection = $1 AND k.generation = $2 AND k.id = ANY($3::text[])
             AND (k.idx, k.key, k.id) NOT IN (SELECT * FROM unnest($7::text[], $8::text[], $9::text[]))
         )
         INSERT INTO ${t.documentKeys} (projection, generation, idx, key, id)
         SELECT $1, $2, n.idx, n.key, n.id FROM unnest($7::text[], $8::text[], $9::text[]) AS n(idx, key, id)
         ON CONFLICT DO NOTHING`,
        [
          target.name,
          target.generation,
          changes.map((change) => change.id),
          written.map((change) => change.id),
          written.map((change) => JSON.stringify(change.document)),
          changes.filter((change) => change.document === undefined).map((change) => change.id),
          keys.map(([index]) => index),
          keys.map(([, key]) => key),
          keys.map(([, , id]) => id)
        ]
      )
    }

    /** Writes documents and their keys: old keys out, new documents upserted, new keys in. */
    const writeChanges = (c: SqlConnection.Connection, target: Target, changes: ReadonlyArray<StoredChange>) =>
      changes.length === 0
        ? Effect.void
        : pg
          ? Effect.asVoid(writeChangesPg(c, target, changes))
          : writeChangesSqlite(c, target, changes)

    /** SQLite: the same changes, a statement per kind and chunk (a round trip costs nothing there). */
    const writeChangesSqlite = (c: SqlConnection.Connection, target: Target, changes: ReadonlyArray<StoredChange>) =>
      Effect.gen(function* () {
        const scope = [target.name, target.generation]
        for (const part of chunks(changes, chunkRows)) {
          const ids = part.map((change) => change.id)
          yield* query(
            c,
            `DELETE FROM ${t.documentKeys} WHERE projection = ? AND generation = ? AND id IN (${idList(ids.length)})`,
            [...scope, ...ids]
          )
          const deleted = part.filter((change) => change.document === undefined).map((change) => change.id)
          if (deleted.length > 0) {
            yield* query(
              c,
              `DELETE FROM ${t.documents} WHERE projection = ? AND generation = ? AND id IN (${idList(deleted.length)})`,
              [...scope, ...deleted]
            )
          }
          const written = part.filter((change) => change.document !== undefined)
          if (written.length > 0) {
            yield* query(
              c,
              `INSERT INTO ${t.documents} (projection, generation, id, document)
                VALUES ${written.map(() => "(?, ?, ?, ?)").join(", ")}
                ON CONFLICT (projection, generation, id) DO UPDATE SET document = excluded.document`,
              written.flatMap((change) => [...scope, change.id, JSON.stringify(change.document)])
            )
          }
          const keys = written.flatMap((change) => change.keys.map((k) => [k.index, k.key, change.id] as const))
          for (const keyPart of chunks(keys, chunkRows)) {
            yield* query(
              c,
              `INSERT INTO ${t.documentKeys} (projection, generation, idx, key, id)
                VALUES ${keyPart.map(() => "(?, ?, ?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`,
              keyPart.flatMap(([index, key, id]) => [...scope, index, key, id])
            )
          }
        }
      })

    const commit: ProjectionStoreShape["commit"] = (target, changes, move, within) =>
      Effect.gen(function* () {
        const at = yield* now
        const outcome = yield* transaction((c) =>
          Effect.gen(function* () {
            if (move !== undefined) {
              // Compare-and-set first: a runner that lost the race writes nothing.
              const moved = yield* query<{ readonly n: number }>(c, `${statements.move} RETURNING 1 AS n`, [
                dialect.int64(move.to.commit),
                dialect.int64(move.to.position),
                move.events,
                at,
                target.name,
                target.generation,
                dialect.int64(move.from.commit),
                dialect.int64(move.from.position)
              ])
              if (moved.length === 0) {
                const [row] = yield* safe(query<GenerationRow>(c, statements.current, [target.name, target.generation]))
                return new CheckpointConflict({
                  name: `${target.name}#${target.generation}`,
                  expected: Checkpoint.format(move.from),
                  actual:
                    row === undefined
                      ? "missing"
                      : row.state !== "building" && (row.state === "retired" || generationOf(row).inline)
                        ? row.state
                        : Checkpoint.format(generationOf(row).checkpoint)
                })
              }
            }
            yield* writeChanges(c, target, changes)
            if (within !== undefined) yield* within
            return undefined
          })
        )
        if (outcome !== undefined) return yield* outcome
      }).pipe(Effect.catchTag("SqlError", (cause) => Effect.fail(storeError("ProjectionStore.commit")(cause))))

    const promote = (target: Target) =>
      Effect.gen(function* () {
        const at = yield* now
        const outcome = yield* transaction((c) =>
          Effect.gen(function* () {
            // The projection's rows locked first (SQLite's write lock is already held): a rival's switch
            // that retired this generation, and dropped its documents, has committed or waits for us.
            const rows = yield* query<Pick<GenerationRow, "generation" | "state">>(c, statements.lockGenerations, [
              target.name
            ])
            const row = rows.find((r) => Number(r.generation) === target.generation)
            if (row === undefined || row.state === "retired") {
              return new CheckpointConflict({
                name: `${target.name}#${target.generation}`,
                expected: "building",
                actual: row?.state ?? "missing"
              })
            }
            // Already live (a co-builder switched first): a rebuild begun since must not be retired.
            if (row.state === "live") return undefined
            yield* query(c, statements.promote, [target.generation, at, target.name, target.generation])
            yield* query(c, statements.dropKeys, [target.name, target.generation])
            yield* query(c, statements.dropDocuments, [target.name, target.generation])
            return undefined
          })
        )
        if (outcome !== undefined) return yield* outcome
      }).pipe(Effect.catchTag("SqlError", (cause) => Effect.fail(storeError("ProjectionStore.promote")(cause))))

    const inlineLock = InlineLock.exclusive(t)
    const exclusive: ProjectionStoreShape["exclusive"] = (effect) =>
      transaction((c) => (pg ? Effect.zipRight(query(c, inlineLock), effect) : effect)).pipe(
        // Only the transaction's own statements fail with SqlError: the effect's errors are port errors.
        Effect.mapError((e) => (e instanceof SqlError ? storeError("ProjectionStore.exclusive")(e) : e))
      )

    const lease = yield* Leases.make(execution, tables)

    return ProjectionStore.of({
      generations,
      create,
      served,
      servedAll,
      getMany,
      list,
      commit,
      promote,
      exclusive,
      lease
    })
  })

/** Projection storage on the `SqlClient` the host provides; migrates on start. */
export const layer = (options?: Options): Layer.Layer<ProjectionStore, SqlError | StoreError, SqlClient.SqlClient> =>
  Layer.scoped(ProjectionStore, make(options))
