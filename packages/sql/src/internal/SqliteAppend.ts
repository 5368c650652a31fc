/**
 * The append on SQLite: one statement reads whether the command id is known and every stream's
 * version; one statement inserts the events, and one the command's row when the append carries a
 * fingerprint (recorded even when it writes no event). It runs in a transaction begun with
 * `BEGIN IMMEDIATE`, which takes the database's write lock first (waiting up to the busy timeout for
 * another process), so the checks read a state no one can change before the inserts; inside a
 * caller's transaction it joins that one.
 */
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import * as ExpectedVersion from "@stint/core/ExpectedVersion"
import { WrongExpectedVersion } from "@stint/core/StoreError"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type * as Tables from "../Tables.js"
import * as Execution from "./Execution.js"
import * as Metadata from "./Metadata.js"
import type { PreparedAppend, Written } from "./PreparedAppend.js"

/** Builds the append over the event table; run it in a transaction (`Execution.transaction`). */
export const make = (tables: Tables.Tables) => {
  const t = tables
  // The versions of n streams and whether the command is known (by its row, recorded with a
  // fingerprint, or by its events, appended without one), in one statement.
  const check = (n: number) =>
    `SELECT EXISTS (SELECT 1 FROM ${t.commands} WHERE command_id = ?)
          OR EXISTS (SELECT 1 FROM ${t.events} WHERE command_id = ?) AS known,
        (SELECT coalesce(max(position), 0) FROM ${t.events}) AS last
        ${Array.from({ length: n }, (_, i) => `, (SELECT coalesce(max(version), 0) FROM ${t.events} WHERE stream_id = ?) AS v${i}`).join("")}`
  const insert = (rows: number) =>
    `INSERT INTO ${t.events}
        (position, commit_id, stream_id, version, event_id, type, data, metadata, command_id, append_versions)
        VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`
  const record = `INSERT INTO ${t.commands} (command_id, fingerprint, versions, recorded_at) VALUES (?, ?, ?, ?)`

  return (
    connection: SqlConnection.Connection,
    append: PreparedAppend
  ): Effect.Effect<Written | "duplicate", WrongExpectedVersion | SqlError> =>
    Effect.gen(function* () {
      const { request, streams } = append
      const total = streams.reduce((sum, stream) => sum + stream.events.length, 0)
      const [known] = yield* Execution.query<Record<string, number>>(connection, check(streams.length), [
        request.commandId,
        request.commandId,
        ...streams.map((stream) => stream.streamId)
      ])
      // An append without events and without a fingerprint records nothing: it is only a check.
      const records = total > 0 || request.fingerprint !== undefined
      if (records && known!.known) return "duplicate" as const
      const versions: Array<readonly [string, number]> = []
      for (const [i, stream] of streams.entries()) {
        const actual = Number(known![`v${i}`])
        if (!ExpectedVersion.satisfiedBy(stream.expected, actual)) {
          return yield* new WrongExpectedVersion({
            streamId: stream.streamId,
            expected: ExpectedVersion.format(stream.expected),
            actual
          })
        }
        versions.push([stream.streamId, actual + stream.events.length])
      }
      if (request.fingerprint !== undefined) {
        yield* Execution.query(connection, record, [
          request.commandId,
          request.fingerprint,
          JSON.stringify(versions),
          DateTime.formatIso(append.recordedAt)
        ])
      }
      if (total === 0) return { commit: 0n, versions, positions: [] }
      // One writer holds the lock: positions continue from the last, in request order, and the
      // append's commit is its first position.
      const commit = Number(known!.last) + 1
      const params: Array<unknown> = []
      const positions: Array<bigint> = []
      for (const [i, stream] of streams.entries()) {
        const lastVersion = versions[i]![1]
        for (const [k, event] of stream.events.entries()) {
          const position = commit + positions.length
          params.push(
            position,
            commit,
            stream.streamId,
            lastVersion - stream.events.length + k + 1,
            event.eventId,
            event.type,
            event.data,
            Metadata.forEvent(append.metadata, event.schemaVersion),
            request.commandId,
            positions.length === 0 ? JSON.stringify(versions) : null
          )
          positions.push(BigInt(position))
        }
      }
      yield* Execution.query(connection, insert(positions.length), params)
      return { commit: BigInt(commit), versions, positions }
    })
}
