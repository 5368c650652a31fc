/**
 * The application API: commands in, state and events out. This is what the quickstart, the example
 * server and embedding hosts use; it composes the command handler over a store and a policy.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { Command } from "./decision/Command.js"
import type { EngagementId, UserId } from "./domain/Ids.js"
import * as Policy from "./domain/Policy.js"
import type { EngagementState } from "./engagement/EngagementState.js"
import * as CommandHandler from "./handling/CommandHandler.js"
import * as Codec from "./handling/EventCodec.js"
import type { InvalidCommand } from "./handling/InvalidCommand.js"
import type { Mentee } from "./mentee/MenteeState.js"
import type { MentorState } from "./mentor/MentorState.js"
import type { Checkpoint } from "./store/Checkpoint.js"
import { EventStore } from "./store/EventStore.js"
import * as MemoryProjectionStore from "./projection/MemoryProjectionStore.js"
import * as Projections from "./projection/Projections.js"
import type { ProjectionStore } from "./projection/ProjectionStore.js"
import * as MemoryEventStore from "./store/MemoryEventStore.js"
import type { InvalidStoreData, StoreError } from "./store/StoreError.js"
import type { StreamId } from "./store/StreamId.js"

export type { CommandContext, CommandResult, ExecuteError } from "./handling/CommandHandler.js"

type ReadError = InvalidStoreData | StoreError

export interface StintShape {
  /** Executes a command as the given actor. */
  readonly execute: (
    command: Command,
    context: CommandHandler.CommandContext
  ) => Effect.Effect<CommandHandler.CommandResult, CommandHandler.ExecuteError>
  /** Decodes an untyped command (a request body) and executes it; bad input is an `InvalidCommand`. */
  readonly executeUnknown: (
    input: unknown,
    context: CommandHandler.CommandContext
  ) => Effect.Effect<CommandHandler.CommandResult, CommandHandler.ExecuteError | InvalidCommand>
  /** An engagement's current state, straight from its stream (undefined when it does not exist). */
  readonly engagement: (id: EngagementId) => Effect.Effect<EngagementState, ReadError>
  readonly mentor: (id: UserId) => Effect.Effect<MentorState, ReadError>
  readonly mentee: (id: UserId) => Effect.Effect<Mentee, ReadError>
  /** A stream's events, decoded. */
  readonly history: (streamId: StreamId) => Effect.Effect<ReadonlyArray<Codec.Envelope>, ReadError>
  /** The global log from a checkpoint, decoded; follows live when `live` is true. */
  readonly events: (options?: {
    readonly from?: Checkpoint
    readonly live?: boolean
  }) => Stream.Stream<Codec.Envelope, ReadError>
}

/** Stint: provide `Stint.layer` over a store, or `Stint.layerMemory` for tests and prototypes. */
export class Stint extends Context.Tag("@stint/core/Stint")<Stint, StintShape>() {}

export const make = (options: { readonly upcasters?: ReadonlyArray<Codec.Upcaster> } = {}) =>
  Effect.gen(function* () {
    const handler = yield* CommandHandler.CommandHandler
    const store = yield* EventStore
    const codec = Codec.makeDecoder(options.upcasters)
    return Stint.of({
      execute: handler.execute,
      executeUnknown: handler.executeUnknown,
      engagement: (id) => handler.loadEngagement(id).pipe(Effect.withSpan("Stint.engagement")),
      mentor: (id) => handler.loadMentor(id).pipe(Effect.withSpan("Stint.mentor")),
      mentee: (id) => handler.loadMentee(id).pipe(Effect.withSpan("Stint.mentee")),
      history: (streamId) =>
        store.readStream(streamId).pipe(
          Effect.flatMap((records) => Effect.forEach(records, codec.decodeRecord)),
          Effect.withSpan("Stint.history")
        ),
      events: (opts = {}) => {
        const from = opts.from === undefined ? {} : { from: opts.from }
        const records = opts.live ? store.subscribe(from) : store.readAll(from)
        return Stream.mapEffect(records, (record) => codec.decodeRecord(record))
      }
    })
  })

export interface LayerOptions extends CommandHandler.HandlerOptions {}

/** Stint over the provided `EventStore` and `ProgramPolicy`. */
export const layer = (
  options: LayerOptions = {}
): Layer.Layer<Stint | CommandHandler.CommandHandler, never, EventStore | Policy.ProgramPolicy> =>
  Layer.effect(Stint, make(options)).pipe(Layer.provideMerge(CommandHandler.layer(options)))

/** Options of the composed layers: the handler's, a policy override, and the projections to run. */
export interface ComposedOptions extends LayerOptions {
  readonly policy?: Partial<Policy.Policy>
  /** Projections to run (e.g. `ReadModels.options()`); none by default. */
  readonly projections?: Projections.Options
}

/**
 * Stint over an event store layer (`MemoryEventStore.layerMemory`, or `SqlEventStore.layer()` from
 * `@stint/sql`), with projections kept in the `ProjectionStore` the host provides; inline projections
 * join the store's appends.
 */
export const layerWithProjections = <E, R>(
  eventStore: Layer.Layer<EventStore, E, R>,
  options: ComposedOptions = {}
): Layer.Layer<
  Stint | CommandHandler.CommandHandler | EventStore | Policy.ProgramPolicy | Projections.Projections,
  E | Policy.InvalidPolicy,
  ProjectionStore | R
> => {
  const policy = options.policy ? Policy.layer(options.policy) : Policy.layerDefault
  return layer(options).pipe(
    // Projections decode events with the same upcasters as commands, unless given their own.
    Layer.provideMerge(
      Projections.layerWith(
        { ...(options.upcasters ? { upcasters: options.upcasters } : {}), ...options.projections },
        eventStore
      )
    ),
    Layer.provideMerge(policy)
  )
}

/**
 * Stint in memory, with the default policy or some values overridden: for tests, demos and prototypes.
 * With `projections` (e.g. `ReadModels.options()`), read models run too, in memory.
 */
export const layerMemory = (
  options: ComposedOptions = {}
): Layer.Layer<
  Stint | CommandHandler.CommandHandler | EventStore | Policy.ProgramPolicy | Projections.Projections,
  Policy.InvalidPolicy
> => layerWithProjections(MemoryEventStore.layerMemory, options).pipe(Layer.provide(MemoryProjectionStore.layer))

/** The stream id of an engagement, a mentor or a mentee. */
export const engagementStream = Codec.engagementStream
export const mentorStream = Codec.mentorStream
export const menteeStream = Codec.menteeStream
