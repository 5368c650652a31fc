/**
 * Projections written as SQL statements, into the host's own tables. Their statements run inside the
 * transaction that moves the projection's checkpoint (or, inline, inside the append's), through the
 * `SqlClient` the host already uses, so the host's read model and Stint's checkpoint commit together:
 * no event is applied twice or skipped.
 *
 * ```ts
 * const requestsByArea = SqlProjection.make({
 *   name: "requests-by-area", version: 1, handles: ["EngagementRequested"],
 *   prepare: () => Effect.flatMap(SqlClient.SqlClient, (sql) =>
 *     sql`CREATE TABLE IF NOT EXISTS requests_by_area (generation INTEGER, area TEXT, requests INTEGER,
 *         PRIMARY KEY (generation, area))`),
 *   apply: (envelopes, generation) => ...,  // sql`INSERT ... ON CONFLICT ... DO UPDATE ...`
 *   retire: (generation) => Effect.flatMap(SqlClient.SqlClient, (sql) =>
 *     sql`DELETE FROM requests_by_area WHERE generation = ${generation}`)
 * })
 * ```
 */
import type { Envelope } from "@stint/core/EventCodec"
import * as Projection from "@stint/core/Projection"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** A projection of statements: what each hook runs, on the host's `SqlClient`. */
export interface Definition<E> {
  readonly name: string
  readonly version: number
  /** The event types it reads. */
  readonly handles: Iterable<string>
  /** Applies a batch of events in order to `generation`'s rows (inside the projection's transaction). */
  readonly apply: (
    envelopes: ReadonlyArray<Envelope>,
    generation: number
  ) => Effect.Effect<void, E, SqlClient.SqlClient>
  /** A new generation starts building: create its tables or clear leftovers (default: nothing). */
  readonly prepare?: (generation: number) => Effect.Effect<void, E, SqlClient.SqlClient>
  /** A newer generation replaced `generation`: delete or drop its rows (default: nothing). */
  readonly retire?: (generation: number) => Effect.Effect<void, E, SqlClient.SqlClient>
}

/** Binds a statement projection to the `SqlClient` in context; register the result like any projection. */
export const make = <E>(definition: Definition<E>): Effect.Effect<Projection.Custom, never, SqlClient.SqlClient> =>
  Effect.map(SqlClient.SqlClient, (sql) => {
    const bind = <A>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
      Effect.provideService(effect, SqlClient.SqlClient, sql)
    return Projection.custom({
      name: definition.name,
      version: definition.version,
      handles: definition.handles,
      apply: (envelopes, generation) => bind(definition.apply(envelopes, generation)),
      prepare: (generation) => (definition.prepare ? bind(definition.prepare(generation)) : Effect.void),
      retire: (generation) => (definition.retire ? bind(definition.retire(generation)) : Effect.void)
    })
  })
