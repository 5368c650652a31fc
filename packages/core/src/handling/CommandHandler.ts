/**
 * The command-handling kernel: load the streams a command needs, decide, append the decision to all
 * of them atomically with the versions that were read. A concurrent writer makes the append fail
 * with `WrongExpectedVersion`; the handler then reloads and decides again, so concurrent commands
 * are correct by construction (INV-10, INV-12), not by luck.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { Actor } from "../store/Actor.js"
import { Command } from "../decision/Command.js"
import * as Decider from "../decision/Decider.js"
import * as Decision from "../decision/Decision.js"
import { CommandId, type EngagementId, type UserId } from "../domain/Ids.js"
import { ProgramPolicy } from "../domain/Policy.js"
import type { Refusal } from "../domain/Refusal.js"
import type { EngagementEvent } from "../engagement/EngagementEvent.js"
import * as EngagementState from "../engagement/EngagementState.js"
import type { MenteeEvent } from "../mentee/MenteeEvent.js"
import * as MenteeState from "../mentee/MenteeState.js"
import type { MentorEvent } from "../mentor/MentorEvent.js"
import * as MentorState from "../mentor/MentorState.js"
import { EventStore, reusesCommandId, type StreamAppend } from "../store/EventStore.js"
import * as ExpectedVersion from "../store/ExpectedVersion.js"
import type { RecordedEvent } from "../store/RecordedEvent.js"
import type { InvalidStoreData, StoreError } from "../store/StoreError.js"
import { CommandIdReused, WrongExpectedVersion } from "../store/StoreError.js"
import type { StreamId } from "../store/StreamId.js"
import * as Codec from "./EventCodec.js"
import * as Idempotency from "./Idempotency.js"
import { InvalidCommand } from "./InvalidCommand.js"

/** Who sends a command, and the ids that trace it. */
export interface CommandContext {
  readonly actor: Actor
  /**
   * Idempotency: the same id with the same request again appends nothing and returns the first result;
   * with another request it is refused (`CommandIdReused`). Default: a new UUID. For a caller's key,
   * see `Idempotency.commandIdOf`.
   */
  readonly commandId?: string
  readonly correlationId?: string
  readonly causationId?: string
}

export interface CommandResult {
  readonly commandId: CommandId
  /** The events the command appended, decoded, in append order. */
  readonly events: ReadonlyArray<Codec.Envelope>
  /** True when this command id had been handled before and nothing new was appended. */
  readonly duplicate: boolean
}

/** What executing a command can fail with. */
export type ExecuteError = Refusal | WrongExpectedVersion | CommandIdReused | InvalidStoreData | StoreError

interface Loaded<S> {
  readonly streamId: StreamId
  readonly version: number
  readonly state: S
}

export interface HandlerOptions {
  /** Reload-and-decide attempts after a version conflict (default 50). */
  readonly maxRetries?: number
  /** Streams whose folded state is kept between commands (default 10,000; 0 disables). */
  readonly cacheSize?: number
  readonly upcasters?: ReadonlyArray<Codec.Upcaster>
}

/** Decides commands against the event store. */
export class CommandHandler extends Context.Tag("@stint/core/CommandHandler")<
  CommandHandler,
  {
    /** Executes a typed command. */
    readonly execute: (command: Command, context: CommandContext) => Effect.Effect<CommandResult, ExecuteError>
    /** Decodes an untyped command (a request body), then executes it. */
    readonly executeUnknown: (
      input: unknown,
      context: CommandContext
    ) => Effect.Effect<CommandResult, ExecuteError | InvalidCommand>
    readonly loadEngagement: (
      id: EngagementId
    ) => Effect.Effect<EngagementState.EngagementState, InvalidStoreData | StoreError>
    readonly loadMentor: (id: UserId) => Effect.Effect<MentorState.MentorState, InvalidStoreData | StoreError>
    readonly loadMentee: (id: UserId) => Effect.Effect<MenteeState.Mentee, InvalidStoreData | StoreError>
  }
>() {}

const decodeCommand = Schema.decodeUnknownEither(Command, { errors: "all", onExcessProperty: "error" })

/** Turns a parse error into `InvalidCommand` with one entry per failing path. */
export const invalidCommand = (error: ParseResult.ParseError): InvalidCommand =>
  new InvalidCommand({
    issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
      path: i.path.map(String).join("."),
      message: i.message
    }))
  })

export const make = (options: HandlerOptions = {}) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const policyNow = yield* ProgramPolicy
    const maxRetries = options.maxRetries ?? 50
    const cacheSize = options.cacheSize ?? 10_000
    const codec = Codec.makeDecoder(options.upcasters)
    // Folded states by stream: events never change, so only events after the cached version are read.
    const cache = new Map<StreamId, Loaded<unknown>>()

    const load = <S, E>(
      category: Codec.Category,
      streamId: StreamId,
      initial: S,
      evolve: (s: S, e: E) => S
    ): Effect.Effect<Loaded<S>, InvalidStoreData | StoreError> =>
      Effect.gen(function* () {
        const cached = cache.get(streamId) as Loaded<S> | undefined
        const from = cached ?? { streamId, version: 0, state: initial }
        const records = yield* store.readStream(streamId, { fromVersion: from.version + 1 })
        let state = from.state
        for (const record of records) {
          const event = codec.decode(category, record)
          if (Either.isLeft(event)) return yield* event.left
          state = evolve(state, event.right as E)
        }
        const loaded: Loaded<S> = { streamId, version: from.version + records.length, state }
        if (cacheSize > 0 && records.length > 0) {
          if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!)
          cache.set(streamId, loaded)
        }
        return loaded
      })

    const loadEngagement = (id: string) =>
      load<EngagementState.EngagementState, EngagementEvent>(
        "engagement",
        Codec.engagementStream(id),
        EngagementState.initial,
        EngagementState.evolve
      )
    const loadMentor = (id: string) =>
      load<MentorState.MentorState, MentorEvent>(
        "mentor",
        Codec.mentorStream(id),
        MentorState.initial,
        MentorState.evolve
      )
    const loadMentee = (id: string) =>
      load<MenteeState.Mentee, MenteeEvent>("mentee", Codec.menteeStream(id), MenteeState.initial, MenteeState.evolve)

    const decodeAppended = (records: ReadonlyArray<RecordedEvent>) =>
      Effect.forEach(records, (record) => codec.decodeRecord(record))

    /** The answer to a command id already recorded: its first result, marked as a duplicate. */
    const firstResult = (commandId: CommandId, records: ReadonlyArray<RecordedEvent>) =>
      Effect.map(decodeAppended(records), (events) => ({ commandId, events, duplicate: true }) satisfies CommandResult)

    /** The first result of a command id the store has recorded, if it has (and for this request). */
    const recorded = (
      commandId: CommandId,
      fingerprint: string | undefined
    ): Effect.Effect<Option.Option<CommandResult>, CommandIdReused | InvalidStoreData | StoreError> =>
      Effect.flatMap(
        store.lookupCommand(commandId),
        (previous): Effect.Effect<Option.Option<CommandResult>, CommandIdReused | InvalidStoreData> => {
          if (Option.isNone(previous)) return Effect.succeed(Option.none())
          if (reusesCommandId(previous.value, { fingerprint })) return Effect.fail(new CommandIdReused({ commandId }))
          return Effect.asSome(firstResult(commandId, previous.value.events))
        }
      )

    const appendOf = <S>(
      loaded: Loaded<S> | undefined,
      category: Codec.Category,
      events: ReadonlyArray<EngagementEvent | MentorEvent | MenteeEvent>
    ): ReadonlyArray<StreamAppend> =>
      loaded === undefined
        ? []
        : [
            {
              streamId: loaded.streamId,
              // Streams only read are still checked: the decision rested on their state.
              expected: ExpectedVersion.exact(loaded.version),
              events: Codec.encode(category, events as never, () => crypto.randomUUID())
            }
          ]

    const attempt = (
      command: Command,
      context: CommandContext,
      commandId: CommandId,
      fingerprint: string | undefined
    ) =>
      Effect.gen(function* () {
        const engagementId = Decider.engagementOf(command)
        const engagement = engagementId === undefined ? undefined : yield* loadEngagement(engagementId)
        const targets = Decider.targets(command, context.actor, engagement?.state)
        const [mentor, mentee] = yield* Effect.all(
          [
            targets.mentorId === undefined ? Effect.succeed(undefined) : loadMentor(targets.mentorId),
            targets.menteeId === undefined ? Effect.succeed(undefined) : loadMentee(targets.menteeId)
          ],
          { concurrency: 2 }
        )
        const now = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
        const result = Decider.decide(command, {
          actor: context.actor,
          now,
          policy: policyNow,
          engagement: engagement?.state,
          mentor: mentor?.state,
          mentee: mentee?.state ?? MenteeState.initial
        })
        if (Either.isLeft(result)) return yield* Effect.fail(result.left)
        const decision: Decision.Decision = result.right
        // A decision to do nothing writes nothing; a caller's own command id is still recorded (with
        // the streams' versions checked), so that reusing it for another request is refused.
        if (Decision.isEmpty(decision) && fingerprint === undefined) {
          return { commandId, events: [], duplicate: false } satisfies CommandResult
        }
        const appended = yield* store.append({
          ...(fingerprint === undefined ? {} : { fingerprint }),
          commandId,
          actor: context.actor,
          correlationId: context.correlationId ?? commandId,
          causationId: context.causationId ?? commandId,
          streams: [
            ...appendOf(engagement, "engagement", decision.engagement),
            ...appendOf(mentor, "mentor", decision.mentor),
            ...appendOf(mentee, "mentee", decision.mentee)
          ]
        })
        if (appended.duplicate) return yield* firstResult(commandId, appended.events)
        // The store returns the records in request order: pair them with the events just decided
        // rather than decoding what was encoded a moment ago.
        const decided: ReadonlyArray<Codec.DomainEvent> = [
          ...(engagement === undefined ? [] : decision.engagement),
          ...(mentor === undefined ? [] : decision.mentor),
          ...(mentee === undefined ? [] : decision.mentee)
        ]
        const events = appended.events.map((record, i) => ({ event: decided[i]!, record }))
        return { commandId, events, duplicate: false } satisfies CommandResult
      })

    const retryConflicts = Schedule.exponential("1 millis", 1.5).pipe(
      Schedule.jittered,
      Schedule.upTo("5 seconds"),
      Schedule.intersect(Schedule.recurs(maxRetries))
    )

    const execute = Effect.fn("Stint.execute")(function* (command: Command, context: CommandContext) {
      yield* Effect.annotateCurrentSpan({ command: command._tag })
      const commandId = CommandId.make(context.commandId ?? crypto.randomUUID())
      // Only a caller's own id can come again: a fresh UUID needs no fingerprint.
      const fingerprint = context.commandId === undefined ? undefined : Idempotency.fingerprint(command, context.actor)
      const previous = yield* recorded(commandId, fingerprint)
      if (Option.isSome(previous)) return previous.value
      const decided = attempt(command, context, commandId, fingerprint).pipe(
        Effect.retry({ schedule: retryConflicts, while: (e) => e instanceof WrongExpectedVersion })
      )
      if (context.commandId === undefined) return yield* decided
      // The same command id sent twice at once: the second may decide after the first committed and
      // be refused by its result (already registered, already agreed). It is a retry, not a new
      // command: answer with the first result.
      return yield* decided.pipe(
        Effect.catchIf(
          (e) =>
            e._tag !== "StoreError" &&
            e._tag !== "InvalidStoreData" &&
            e._tag !== "CommandIdReused" &&
            !(e instanceof WrongExpectedVersion),
          (refusal) =>
            Effect.flatMap(
              recorded(commandId, fingerprint),
              Option.match({ onNone: () => Effect.fail(refusal), onSome: Effect.succeed })
            )
        )
      )
    })

    const executeUnknown = (input: unknown, context: CommandContext) =>
      Either.match(decodeCommand(input), {
        onLeft: (error) => Effect.fail(invalidCommand(error)),
        onRight: (command) => execute(command, context)
      })

    return CommandHandler.of({
      execute,
      executeUnknown,
      loadEngagement: (id) => Effect.map(loadEngagement(id), (l) => l.state),
      loadMentor: (id) => Effect.map(loadMentor(id), (l) => l.state),
      loadMentee: (id) => Effect.map(loadMentee(id), (l) => l.state)
    })
  })

/** The handler over whatever `EventStore` and `ProgramPolicy` are provided. */
export const layer = (options?: HandlerOptions): Layer.Layer<CommandHandler, never, EventStore | ProgramPolicy> =>
  Layer.effect(CommandHandler, make(options))
