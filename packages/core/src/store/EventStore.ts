/**
 * The event store port. Every adapter (memory here, SQL in `@stint/sql`) implements these semantics
 * and proves them with the contract suite of `@stint/testing`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { Actor } from "./Actor.js"
import type { CommandId } from "./Identity.js"
import type { Checkpoint } from "./Checkpoint.js"
import type { ExpectedVersion } from "./ExpectedVersion.js"
import type { NewEvent, RecordedEvent } from "./RecordedEvent.js"
import type { CommandIdReused, InvalidStoreData, StoreError, WrongExpectedVersion } from "./StoreError.js"
import type { StreamId } from "./StreamId.js"

/** The events for one stream of an append, and what the writer expects of that stream. */
export interface StreamAppend {
  readonly streamId: StreamId
  readonly expected: ExpectedVersion
  /** May be empty: the stream is then only checked against `expected`, not written. */
  readonly events: ReadonlyArray<NewEvent>
}

/** One atomic append: all streams are written, or none. */
export interface AppendRequest {
  readonly commandId: CommandId
  readonly actor: Actor
  readonly correlationId: string
  readonly causationId: string
  readonly streams: ReadonlyArray<StreamAppend>
  /**
   * What the command id stands for (a hash of the request). Given, the command id is recorded with it
   * even when the append writes no event, and the same id with another fingerprint is refused with
   * `CommandIdReused`. Without it, an append without events records nothing.
   */
  readonly fingerprint?: string
}

export interface AppendResult {
  readonly commandId: CommandId
  /** The events written by the command (by the first append, when this one was a duplicate). */
  readonly events: ReadonlyArray<RecordedEvent>
  /** Each stream's version after the append. */
  readonly versions: ReadonlyArray<{ readonly streamId: StreamId; readonly version: number }>
  /** True when the command id had already been appended and nothing was written this time. */
  readonly duplicate: boolean
  /** The fingerprint recorded with the command id (none for appends made without one). */
  readonly fingerprint?: string
}

export interface ReadAllOptions {
  /** Read events after this checkpoint (default: from the start). */
  readonly from?: Checkpoint
  /** How many events one round trip reads (default 500). */
  readonly batchSize?: number
}

export interface EventStoreShape {
  /**
   * Appends to one or more streams atomically, each with its expected version. When `commandId` was
   * appended before, writes nothing and returns the first result with `duplicate: true` — or fails
   * with `CommandIdReused` when both carry fingerprints and they differ.
   */
  readonly append: (
    request: AppendRequest
  ) => Effect.Effect<AppendResult, WrongExpectedVersion | CommandIdReused | InvalidStoreData | StoreError>
  /** The events of a stream from a version (1-based, inclusive; default 1), in order. */
  readonly readStream: (
    streamId: StreamId,
    options?: { readonly fromVersion?: number }
  ) => Effect.Effect<ReadonlyArray<RecordedEvent>, InvalidStoreData | StoreError>
  /** The result of an earlier append of this command id, if any. */
  readonly lookupCommand: (commandId: CommandId) => Effect.Effect<Option.Option<AppendResult>, StoreError>
  /** The whole log in global order after a checkpoint, read in batches; ends at the current head. */
  readonly readAll: (options?: ReadAllOptions) => Stream.Stream<RecordedEvent, InvalidStoreData | StoreError>
  /** Catches up from a checkpoint, then follows new events as they are appended; never ends. */
  readonly subscribe: (options?: ReadAllOptions) => Stream.Stream<RecordedEvent, InvalidStoreData | StoreError>
  /** The checkpoint of the last event in the log (`Checkpoint.start` when empty). */
  readonly head: Effect.Effect<Checkpoint, StoreError>
}

/**
 * Whether an append reuses a recorded command id for another request: both carry fingerprints and
 * they differ. (An append or record without one, as written before fingerprints, is a plain retry.)
 */
export const reusesCommandId = (
  recorded: { readonly fingerprint?: string | undefined },
  request: { readonly fingerprint?: string | undefined }
): boolean =>
  recorded.fingerprint !== undefined &&
  request.fingerprint !== undefined &&
  recorded.fingerprint !== request.fingerprint

/** The event store. Provide `layerMemory`, or `@stint/sql`'s layer for SQLite and PostgreSQL. */
export class EventStore extends Context.Tag("@stint/core/EventStore")<EventStore, EventStoreShape>() {}
