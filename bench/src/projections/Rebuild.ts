/**
 * A full rebuild of every built-in read model on one backend: the log is copied in first (untimed),
 * then each projection is rebuilt with `Projections.rebuild(name)` at the default batch size (500),
 * one after another, each timed with `performance.now()` around the call; then all seven at once. The
 * events read are the rebuild's own progress count; the documents are counted in the store afterwards.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Projections from "@stint/core/Projections"
import * as ReadModels from "@stint/core/ReadModels"
import { EventStore } from "@stint/core/EventStore"
import type { RecordedEvent } from "@stint/core/RecordedEvent"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import * as Memory from "../Memory.js"
import type { Places } from "../Places.js"
import * as LogCopy from "./LogCopy.js"
import * as Reference from "./Reference.js"
import * as Stack from "./Stack.js"

/** One projection's rebuild. */
export interface Rebuilt {
  readonly name: string
  readonly inline: boolean
  /** Events the rebuild read (its last progress report). */
  readonly events: number
  readonly seconds: number
  /** Documents and index keys of the live generation afterwards. */
  readonly documents: number
  readonly keys: number
  readonly heapDelta: number
}

export interface Result {
  readonly backend: "sqlite" | "pg"
  readonly logEvents: number
  /** Wall time of the copy into the store (excluded from every measurement). */
  readonly copySeconds: number
  readonly each: ReadonlyArray<Rebuilt>
  /** All seven rebuilt at once; each one's documents counted again afterwards. */
  readonly together:
    | {
        readonly events: number
        readonly seconds: number
        readonly heapDelta: number
        readonly documents: ReadonlyMap<string, number>
      }
    | { readonly error: string }
}

export type Outcome = Result | { readonly backend: "sqlite" | "pg"; readonly error: string }

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.split("\n")[0]!.slice(0, 300) : String(error).slice(0, 300)

/** Documents and index keys of each projection's live generation. */
const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const count = (table: string) =>
    Effect.map(
      sql.unsafe<{ readonly name: string; readonly n: number | string | bigint }>(
        `SELECT p.name AS name, count(*) AS n FROM ${table} d
          JOIN stint_projections p ON p.name = d.projection AND p.generation = d.generation
          WHERE p.state = 'live' GROUP BY p.name`
      ),
      (rows) => new Map(rows.map((row) => [row.name, Number(row.n)]))
    )
  return { documents: yield* count("stint_documents"), keys: yield* count("stint_document_keys") }
})

/** A rebuild that runs longer than this is abandoned and reported as failed. */
const timeout = Duration.minutes(10)

/** Rebuilds `name`, returning the events it read. */
const rebuild = (name: string) =>
  Effect.gen(function* () {
    const projections = yield* Projections.Projections
    let events = 0
    yield* projections.rebuild(name, {
      onProgress: (progress) =>
        Effect.sync(() => {
          events = progress.eventsDone
        })
    })
    return events
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => new Error(`the rebuild of ${name} did not finish in ${Duration.format(timeout)}`)
    })
  )

export const measure = async (
  places: Places,
  backend: "sqlite" | "pg",
  records: ReadonlyArray<RecordedEvent>
): Promise<Outcome> => {
  let fresh: Awaited<ReturnType<Places["fresh"]>> | undefined
  let runtime: { readonly dispose: () => Promise<void> } | undefined
  try {
    fresh = await places.fresh(backend)
    const copySeconds = await LogCopy.copy(records, fresh.place)
    // Runners off: the rebuilds are the only readers. Migrations and connections before any clock.
    const active = ManagedRuntime.make(Stack.projections(fresh.place, ReadModels.options({ run: false })))
    runtime = active
    // One untimed scan first, so no projection pays for the first read of a cold file or cache.
    await active.runPromise(Effect.flatMap(EventStore, (store) => Stream.runDrain(store.readAll())))

    const each: Array<Rebuilt> = []
    for (const { inline, projection } of Reference.builtIn()) {
      const measured = await Memory.measure(async () => {
        const start = performance.now()
        const events = await active.runPromise(rebuild(projection.name))
        return { events, seconds: (performance.now() - start) / 1000 }
      })
      each.push({
        name: projection.name,
        inline,
        ...measured.result,
        documents: 0,
        keys: 0,
        heapDelta: measured.peak.heapDelta
      })
    }
    const after = await active.runPromise(counts)
    const counted = each.map((r) => ({
      ...r,
      documents: after.documents.get(r.name) ?? 0,
      keys: after.keys.get(r.name) ?? 0
    }))

    let together: Result["together"]
    try {
      const measured = await Memory.measure(async () => {
        const start = performance.now()
        const read = await active.runPromise(
          Effect.forEach(Reference.builtIn(), ({ projection }) => rebuild(projection.name), {
            concurrency: "unbounded"
          })
        )
        return { events: read.reduce((sum, n) => sum + n, 0), seconds: (performance.now() - start) / 1000 }
      })
      together = {
        ...measured.result,
        heapDelta: measured.peak.heapDelta,
        documents: (await active.runPromise(counts)).documents
      }
    } catch (error) {
      together = { error: describe(error) }
    }
    return { backend, logEvents: records.length, copySeconds, each: counted, together }
  } catch (error) {
    return { backend, error: describe(error) }
  } finally {
    try {
      await runtime?.dispose()
    } catch {
      // a failed store may not close cleanly; the place is dropped anyway
    }
    try {
      await fresh?.drop()
    } catch {
      // removed with the temporary directory or the server
    }
  }
}
