/**
 * Stint on a database named by one string: the SQL event store, the SQL projection store and the
 * built-in read models (or the projections given), migrated as it starts. This is the one-line
 * composition the example server, the CLI and the Promise API share.
 *
 * ```ts
 * const StintLive = SqlStint.layer("data/stint.db")          // SQLite file, created when missing
 * const StintPg = SqlStint.layer(process.env.DATABASE_URL!)  // postgres://…
 * ```
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as CommandHandler from "@stint/core/CommandHandler"
import type * as Policy from "@stint/core/Policy"
import type * as Projections from "@stint/core/Projections"
import type { ProjectionStore } from "@stint/core/ProjectionStore"
import * as ReadModels from "@stint/core/ReadModels"
import * as Stint from "@stint/core/Stint"
import type { EventStore } from "@stint/core/EventStore"
import type { StoreError } from "@stint/core/StoreError"
import type { ConfigError } from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as Database from "./Database.js"
import * as SqlEventStore from "./SqlEventStore.js"
import * as SqlProjectionStore from "./SqlProjectionStore.js"

/** Options: the composed layer's (policy, upcasters, projections) and the connection's. */
export interface Options extends Stint.ComposedOptions, Database.Options {
  /** Run the migrations as it starts (default true); a tool that checked the schema already passes false. */
  readonly migrate?: boolean
}

/** Everything `layer` provides. */
export type Services =
  | Stint.Stint
  | CommandHandler.CommandHandler
  | EventStore
  | Policy.ProgramPolicy
  | Projections.Projections
  | ProjectionStore
  | SqlClient.SqlClient
  | Database.DatabaseKind

/** Everything `layer` can fail with while starting. */
export type StartError = Database.InvalidDatabaseUrl | SqlError | StoreError | ConfigError | Policy.InvalidPolicy

/**
 * Stint on the database (see `Database.parse` for the strings it accepts), running the built-in
 * read models unless `projections` says otherwise.
 */
export const layer = (database: string | Database.Target, options: Options = {}): Layer.Layer<Services, StartError> => {
  const { maxConnections, migrate, ...composed } = options
  // The projection store is built first (everything else stands on it) and runs the migrations for
  // both stores: once per start, not once per store.
  return Stint.layerWithProjections(SqlEventStore.layer({ migrate: false }), {
    ...composed,
    projections: composed.projections ?? ReadModels.options()
  }).pipe(
    Layer.provideMerge(SqlProjectionStore.layer(migrate === undefined ? {} : { migrate })),
    Layer.provideMerge(Database.layer(database, maxConnections === undefined ? {} : { maxConnections }))
  )
}
