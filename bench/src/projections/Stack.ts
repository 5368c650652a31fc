/**
 * The layers the projection bench runs on a place, wired as a host would: the driver's `SqlClient`
 * (better-sqlite3 through `@effect/sql-sqlite-node`, or `pg` through `@effect/sql-pg` with 10
 * connections, as the rest of the bench), `SqlEventStore.layer()` built around the projections'
 * append hook by `Projections.layerWith`, and `SqlProjectionStore.layer()` on the same client.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Policy from "@stint/core/Policy"
import * as Projections from "@stint/core/Projections"
import * as Stint from "@stint/core/Stint"
import * as SqlEventStore from "@stint/sql/SqlEventStore"
import * as SqlProjectionStore from "@stint/sql/SqlProjectionStore"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Place } from "../Subject.js"
import * as BenchClock from "../stint/BenchClock.js"

/** The driver's client for a SQL place. */
export const client = (place: Place): Layer.Layer<SqlClient.SqlClient, unknown> => {
  switch (place._tag) {
    case "sqlite":
      return SqliteClient.layer({ filename: place.filename })
    case "pg":
      return PgClient.layer({ url: Redacted.make(place.url), maxConnections: 10 })
    case "memory":
      throw new Error("the projection bench runs on SQLite and PostgreSQL only")
  }
}

/** Projections (and the event store they hook into) over a SQL place, with the `SqlClient` exposed. */
export const projections = (place: Place, options: Projections.Options) =>
  Projections.layerWith(options, SqlEventStore.layer()).pipe(
    Layer.provideMerge(SqlProjectionStore.layer()),
    Layer.provideMerge(client(place))
  )

/**
 * The full domain as `StintDomain` runs it (`Stint.layer()`, default policy, the bench's strictly
 * increasing clock) with these projections beside it. With none registered (`{}`) the event store is
 * the plain one: `layerWith` installs no append hook and no runner starts.
 */
export const stint = (place: Place, options: Projections.Options) =>
  Stint.layer().pipe(
    Layer.provideMerge(projections(place, options)),
    Layer.provideMerge(Policy.layerDefault),
    Layer.provideMerge(BenchClock.layer())
  )
