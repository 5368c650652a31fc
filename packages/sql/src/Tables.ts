/**
 * The names of Stint's tables. A host that shares its database with Stint may choose a prefix, so
 * Stint's tables sit beside its own without a clash (and two Stint stores can share one database).
 */
import { StoreError } from "@stint/core/StoreError"
import * as Effect from "effect/Effect"

/** Options shared by the SQL event store and checkpoint store. */
export interface TableOptions {
  /** Prefix of every table, index and function Stint creates (default `stint_`). */
  readonly tablePrefix?: string
}

export interface Tables {
  readonly prefix: string
  /** One row per event: the global log. */
  readonly events: string
  /** One row per named checkpoint (projections, processes). */
  readonly checkpoints: string
  /**
   * One row per command id recorded with a request fingerprint (with its streams' versions), whether
   * or not it wrote events: what tells a retry from a reused id (`AppendRequest.fingerprint`).
   */
  readonly commands: string
  /** The migrations applied. */
  readonly migrations: string
  /** PostgreSQL: the function that appends in one round trip. */
  readonly appendFunction: string
  /** One row per projection generation: version, mode, lifecycle, checkpoint, progress. */
  readonly projections: string
  /** Projection documents (encoded JSON), per generation. */
  readonly documents: string
  /** Index keys of projection documents, per generation and index. */
  readonly documentKeys: string
}

/** Table names from options; refuses a prefix that is not a plain SQL identifier. */
export const make = (options: TableOptions = {}): Tables => {
  const prefix = options.tablePrefix ?? "stint_"
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix)) {
    throw new Error(`tablePrefix must be lower-case letters, digits and _ (at most 31), got ${JSON.stringify(prefix)}`)
  }
  return {
    prefix,
    events: `${prefix}events`,
    checkpoints: `${prefix}checkpoints`,
    commands: `${prefix}commands`,
    migrations: `${prefix}migrations`,
    appendFunction: `${prefix}append`,
    projections: `${prefix}projections`,
    documents: `${prefix}documents`,
    documentKeys: `${prefix}document_keys`
  }
}

/** `make` for a store's start: a bad prefix fails it with `StoreError { method: "configure" }`. */
export const configure = (options: TableOptions = {}): Effect.Effect<Tables, StoreError> =>
  Effect.try({ try: () => make(options), catch: (cause) => new StoreError({ method: "configure", cause }) })
