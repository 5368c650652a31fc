/**
 * What runs inside an append's transaction: inline projections. An adapter that finds an `AppendHook`
 * in its context calls `afterWrite` after the events are written and before they commit, so the
 * documents change with the events or not at all (read-your-writes), and a failure rolls both back.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { RecordedEvent } from "./RecordedEvent.js"
import type { StoreError } from "./StoreError.js"

export interface AppendHookShape {
  /** Called with the events of one append (never a duplicate), inside its transaction. */
  readonly afterWrite: (events: ReadonlyArray<RecordedEvent>) => Effect.Effect<void, StoreError>
  /**
   * Wraps a whole in-memory append (checks, write, hook, publish): an exclusive section of the
   * projection runner waits for appends in flight. SQL adapters lock in the database instead.
   */
  readonly guard: <A, E, R>(append: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export class AppendHook extends Context.Tag("@stint/core/AppendHook")<AppendHook, AppendHookShape>() {}
