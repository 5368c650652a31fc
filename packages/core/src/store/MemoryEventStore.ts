/**
 * The in-memory event store: the reference adapter for tests, examples and the store contract suite.
 * It keeps the log in arrays owned by one store instance, so each `make` (and each `layerMemory`
 * build) starts empty.
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { AppendHook } from "./AppendHook.js"
import * as Checkpoint from "./Checkpoint.js"
import {
  type AppendRequest,
  type AppendResult,
  EventStore,
  type EventStoreShape,
  type ReadAllOptions,
  reusesCommandId
} from "./EventStore.js"
import * as ExpectedVersion from "./ExpectedVersion.js"
import * as RecordedEvent from "./RecordedEvent.js"
import { CommandIdReused, InvalidStoreData, type StoreError, WrongExpectedVersion } from "./StoreError.js"
import * as StoreInput from "./StoreInput.js"
import type { StreamId } from "./StreamId.js"

/** How many events `readAll` and `subscribe` read per page when the caller does not say. */
export const defaultBatchSize = 500

interface State {
  /** Every event in `(commit, position)` order; only ever appended to. */
  readonly log: Array<RecordedEvent.RecordedEvent>
  readonly streams: Map<string, Array<RecordedEvent.RecordedEvent>>
  readonly commands: Map<string, AppendResult>
  lastCommit: bigint
  /** Completed (and replaced) by every write, so a subscriber can wait for the next one. */
  changed: Deferred.Deferred<void>
}

const checkpointOf = (event: RecordedEvent.RecordedEvent): Checkpoint.Checkpoint => ({
  commit: event.commit,
  position: event.position
})

const validBatchSize = (batchSize: number): boolean => Number.isInteger(batchSize) && batchSize > 0

/**
 * Builds an empty store. With an `AppendHook` in context (inline projections), appends run one at a
 * time and the hook runs between the checks and the publication, so a failure publishes nothing.
 */
export const make: Effect.Effect<EventStoreShape> = Effect.gen(function* () {
  const hook = yield* Effect.serviceOption(AppendHook)
  const appendLock = yield* Effect.makeSemaphore(1)
  const state: State = {
    log: [],
    streams: new Map(),
    commands: new Map(),
    lastCommit: 0n,
    changed: Deferred.unsafeMake<void>(FiberId.none)
  }

  /** The events strictly after `from`, at most `size` of them. */
  const pageAfter = (from: Checkpoint.Checkpoint, size: number): Array<RecordedEvent.RecordedEvent> => {
    let low = 0
    let high = state.log.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (Checkpoint.compare(checkpointOf(state.log[middle]!), from) <= 0) low = middle + 1
      else high = middle
    }
    return state.log.slice(low, low + size)
  }

  const head = (): Checkpoint.Checkpoint => {
    const last = state.log[state.log.length - 1]
    return last === undefined ? Checkpoint.start : checkpointOf(last)
  }

  /**
   * Checks every stream, then writes, as one synchronous step: no other fiber can run in between (a
   * JavaScript turn is never interleaved), so readers never see part of an append, two appends can
   * never pass the same version check, and nothing is written unless every check passed.
   */
  const write = (
    request: AppendRequest,
    now: number
  ): Effect.Effect<AppendResult, WrongExpectedVersion | CommandIdReused | InvalidStoreData | StoreError> => {
    const previous = state.commands.get(request.commandId)
    if (previous !== undefined) {
      return reusesCommandId(previous, request)
        ? Effect.fail(new CommandIdReused({ commandId: request.commandId }))
        : Effect.succeed({ ...previous, duplicate: true })
    }

    const commit = state.lastCommit + 1n
    const recordedAt = DateTime.unsafeMake(now)
    let position = BigInt(state.log.length)
    const events: Array<RecordedEvent.RecordedEvent> = []
    const versions: Array<{ readonly streamId: StreamId; readonly version: number }> = []
    for (const stream of request.streams) {
      const actual = state.streams.get(stream.streamId)?.length ?? 0
      if (!ExpectedVersion.satisfiedBy(stream.expected, actual)) {
        return Effect.fail(
          new WrongExpectedVersion({
            streamId: stream.streamId,
            expected: ExpectedVersion.format(stream.expected),
            actual
          })
        )
      }
      let version = actual
      for (const event of stream.events) {
        version++
        // Through JSON, as the SQL stores do: callers cannot mutate a stored event afterwards.
        const data = Either.map(StoreInput.encodeData(event.data), (text): unknown => JSON.parse(text))
        if (Either.isLeft(data)) {
          return Effect.fail(new InvalidStoreData({ streamId: stream.streamId, version, reason: data.left }))
        }
        position++
        events.push({
          eventId: event.eventId,
          streamId: stream.streamId,
          version,
          position,
          commit,
          type: event.type,
          data: data.right,
          metadata: RecordedEvent.metadataOf(request, event.schemaVersion, recordedAt)
        })
      }
      versions.push({ streamId: stream.streamId, version })
    }

    const result: AppendResult = {
      commandId: request.commandId,
      events,
      versions,
      duplicate: false,
      ...(request.fingerprint === undefined ? {} : { fingerprint: request.fingerprint })
    }
    if (events.length === 0) {
      // A pure check records nothing, so the command id stays free for a real append; with a
      // fingerprint the command is recorded: a different request under its id is then refused.
      if (request.fingerprint !== undefined) state.commands.set(result.commandId, result)
      return Effect.succeed(result)
    }
    if (Option.isNone(hook)) return Effect.succeed(publish(result))
    return Effect.as(hook.value.afterWrite(events), result).pipe(Effect.map(publish))
  }

  /** Makes an append's events part of the log, visible to readers and subscribers. */
  const publish = (result: AppendResult): AppendResult => {
    const { events } = result
    const commit = events[0]!.commit
    for (const event of events) {
      state.log.push(event)
      const stream = state.streams.get(event.streamId)
      if (stream === undefined) state.streams.set(event.streamId, [event])
      else stream.push(event)
    }
    state.commands.set(result.commandId, result)
    state.lastCommit = commit
    const changed = state.changed
    state.changed = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(changed, Exit.void)
    return result
  }

  // The per-call operations carry no span of their own (one costs about 10 µs, as much as the
  // operation): they run inside the caller's span, `Stint.execute` for commands.
  const unguarded = (request: AppendRequest) =>
    Effect.zipRight(
      StoreInput.checkAppend(request),
      Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.suspend(() => write(request, now)))
    )
  // The hook yields between the checks and the publication: appends then take turns.
  const append = Option.isNone(hook)
    ? unguarded
    : (request: AppendRequest) => hook.value.guard(appendLock.withPermits(1)(unguarded(request)))

  const readStream = (streamId: StreamId, options?: { readonly fromVersion?: number }) =>
    Effect.zipRight(
      StoreInput.checkStreamId(streamId),
      Effect.sync(() => {
        const fromVersion = Math.max(1, Math.ceil(options?.fromVersion ?? 1))
        return (state.streams.get(streamId) ?? []).slice(fromVersion - 1)
      })
    )

  const lookupCommand = (commandId: string) => Effect.sync(() => Option.fromNullable(state.commands.get(commandId)))

  /** Pages of the log after `from`; `follow` keeps reading past the head (subscribe) instead of ending. */
  const pages = (
    from: Checkpoint.Checkpoint,
    batchSize: number,
    follow: boolean
  ): Stream.Stream<RecordedEvent.RecordedEvent> =>
    Stream.paginateChunkEffect(from, (cursor) =>
      Effect.suspend(() => {
        // Taken before the read: a write landing after the read completes it, so no wake-up is lost.
        const changed = state.changed
        const page = pageAfter(cursor, batchSize)
        const last = page[page.length - 1]
        const next = last === undefined ? cursor : checkpointOf(last)
        const chunk = Chunk.unsafeFromArray(page)
        if (page.length === batchSize) return Effect.succeed([chunk, Option.some(next)] as const)
        // A short page means caught up: readAll ends here, subscribe waits for the next write.
        if (!follow) return Effect.succeed([chunk, Option.none()] as const)
        return Effect.as(page.length > 0 ? Effect.void : Deferred.await(changed), [chunk, Option.some(next)] as const)
      })
    )

  const readAllStream = (
    method: string,
    follow: boolean,
    options?: ReadAllOptions
  ): Stream.Stream<RecordedEvent.RecordedEvent> => {
    const from = options?.from ?? Checkpoint.start
    const batchSize = options?.batchSize ?? defaultBatchSize
    const stream = validBatchSize(batchSize)
      ? pages(from, batchSize, follow)
      : Stream.dieMessage(`${method}: batchSize must be a positive integer, got ${batchSize}`)
    return stream.pipe(
      Stream.withSpan(method, { attributes: { "stint.from": Checkpoint.format(from), "stint.batchSize": batchSize } })
    )
  }

  return EventStore.of({
    append,
    readStream,
    lookupCommand,
    readAll: (options) => readAllStream("EventStore.readAll", false, options),
    subscribe: (options) => readAllStream("EventStore.subscribe", true, options),
    head: Effect.sync(head).pipe(Effect.withSpan("EventStore.head"))
  })
})

/** The event store in memory: each build of the layer is a new, empty store. */
export const layerMemory: Layer.Layer<EventStore> = Layer.effect(EventStore, make)
