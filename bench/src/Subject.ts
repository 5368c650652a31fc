/**
 * What the harness drives: one implementation of the workload on one fresh backend. Each subject runs
 * its command loops in its own idiom (promises for raw drivers and Emmett, one Effect program for
 * Stint), so no adapter layer sits between the timer and the code under test.
 */
import type * as ScanCheck from "./ScanCheck.js"
import type { Engagement } from "./Workload.js"

/** What one run of the command loops did. */
export interface RunStats {
  /** Commands executed (a retried command counts once). */
  readonly commands: number
  /** Events appended. */
  readonly events: number
  /**
   * Appends refused for a wrong expected version and retried (0 expected: loops own their streams);
   * undefined when the implementation retries inside and does not say.
   */
  readonly conflicts: number | undefined
}

export interface Subject {
  /**
   * Untimed setup before a run on these engagements (e.g. registering their mentors); returns the
   * events it appended.
   */
  readonly prepare?: (loops: ReadonlyArray<ReadonlyArray<Engagement>>) => Promise<number>
  /**
   * Runs the loops at once; each loop drives its engagements one after the other through the whole
   * command path.
   */
  readonly run: (loops: ReadonlyArray<ReadonlyArray<Engagement>>) => Promise<RunStats>
  /**
   * Reads the whole log in global order, in batches of `batchSize`, handing every event to `check`;
   * undefined when the store has no global read.
   */
  readonly scan: ((check: ScanCheck.ScanCheck, batchSize: number) => Promise<void>) | undefined
  /** Durability settings read back from the store's own connection, for the report. */
  readonly settings: () => Promise<Readonly<Record<string, string>>>
  readonly close: () => Promise<void>
}

/** The implementations compared on every backend. */
export type Implementation = "raw" | "emmett" | "emmettShared" | "stint" | "stintDomain"

/** The backends. */
export type Backend = "memory" | "sqlite" | "pg"

/** Where a subject keeps its data: nothing (memory), a fresh SQLite file, or a fresh PostgreSQL database. */
export type Place =
  | { readonly _tag: "memory" }
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "pg"; readonly url: string }

/** Builds a subject on a fresh place. */
export type Make = (place: Place) => Promise<Subject>

/** Retries `attempt` while it fails with a version conflict, counting the conflicts. */
export const retryConflicts = async <A>(
  attempt: () => Promise<A>,
  isConflict: (error: unknown) => boolean,
  onConflict: () => void
): Promise<A> => {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt()
    } catch (error) {
      if (!isConflict(error) || tries >= 50) throw error
      onConflict()
    }
  }
}

/**
 * Runs promise-based loops at once, each driving its engagements in turn. The first failure stops
 * every loop at its next engagement, so a failed store is not left running behind the report.
 */
export const runLoops = async <E>(
  loops: ReadonlyArray<ReadonlyArray<E>>,
  drive: (engagement: E) => Promise<void>,
  tick: () => void
): Promise<void> => {
  let failure: { readonly error: unknown } | undefined
  await Promise.all(
    loops.map(async (loop) => {
      for (const engagement of loop) {
        if (failure !== undefined) return
        try {
          await drive(engagement)
        } catch (error) {
          failure ??= { error }
          return
        }
        tick()
      }
    })
  )
  if (failure !== undefined) throw failure.error
}
