/**
 * `@stint/sql`: Stint's event store on `@effect/sql`, for SQLite and PostgreSQL.
 *
 * ```ts
 * import { SqlEventStore } from "@stint/sql"
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * const StoreLive = SqlEventStore.layer().pipe(Layer.provide(SqliteClient.layer({ filename: "stint.db" })))
 * ```
 */
export * as Database from "./Database.js"
export * as EventRow from "./EventRow.js"
export * as Migrations from "./Migrations.js"
export * as SqlCheckpointStore from "./SqlCheckpointStore.js"
export * as SqlEventStore from "./SqlEventStore.js"
export * as SqlProjection from "./SqlProjection.js"
export * as SqlProjectionStore from "./SqlProjectionStore.js"
export * as SqlStint from "./SqlStint.js"
export * as Tables from "./Tables.js"
