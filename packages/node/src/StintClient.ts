/**
 * The Promise API: every call of the Effect API as a method that returns a Promise, over a
 * `ManagedRuntime` that holds the store, the projections and the deadline process. It adds no
 * behaviour: inputs are decoded with the core's schemas, calls run the core's effects, and a failure
 * rejects with the very error the effect failed with.
 */
import * as Either from "effect/Either"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Actor from "@stint/core/Actor"
import { Area, CommandId, EngagementId, UserId } from "@stint/core/Ids"
import type * as EngagementState from "@stint/core/EngagementState"
import type * as CommandHandler from "@stint/core/CommandHandler"
import type * as EventCodec from "@stint/core/EventCodec"
import type * as MenteeState from "@stint/core/MenteeState"
import type * as MentorState from "@stint/core/MentorState"
import * as Feed from "@stint/core/Feed"
import type { Page } from "@stint/core/ProjectionStore"
import * as Projections from "@stint/core/Projections"
import type * as ReadModel from "@stint/core/ReadModel"
import * as Queries from "@stint/core/Queries"
import * as Deadlines from "@stint/core/Deadlines"
import * as EngagementView from "@stint/core/EngagementView"
import * as MenteeNetwork from "@stint/core/MenteeNetwork"
import * as MentorInbox from "@stint/core/MentorInbox"
import * as MentorLoad from "@stint/core/MentorLoad"
import * as ProgramMetrics from "@stint/core/ProgramMetrics"
import * as SessionJournal from "@stint/core/SessionJournal"
import * as Stint from "@stint/core/Stint"
import * as Checkpoint from "@stint/core/Checkpoint"
import type { StreamId } from "@stint/core/StreamId"
import { InvalidArgument, StintClosed } from "./Errors.js"
import type { ActorInput, CommandInput, CommandOptions, FeedOptions, PageOptions } from "./Input.js"
import * as FeedIterator from "./internal/feed.js"
import { settle } from "./internal/settle.js"

/** What the client needs from its runtime. */
export type Services = Stint.Stint | Projections.Projections

/** A command's result: its id, the events it appended (decoded), and whether it was a retry. */
export type CommandResult = CommandHandler.CommandResult

/** An event of the feed, with the checkpoint to resume after it (`events({ from: item.checkpoint })`). */
export interface FeedItem extends EventCodec.Envelope {
  readonly checkpoint: string
}

/** Which of a user's engagements to list. */
export type Role = Queries.Role

/**
 * An open Stint. Every method returns a Promise that rejects with a documented error class (see
 * `Errors`); read models are read *as a viewer*, who sees only what the read model shows them.
 * Close it with `close()`, or let `await using` do it.
 */
export interface StintClient extends AsyncDisposable {
  /** Executes a command as `options.actor`; rejects with the domain's refusal when it is refused. */
  readonly execute: (command: CommandInput, options: CommandOptions) => Promise<CommandResult>
  /** The same for an input of unknown shape (a request body): decoded first, `InvalidCommand` when it does not match. */
  readonly executeUnknown: (input: unknown, options: CommandOptions) => Promise<CommandResult>

  /** An engagement's state, folded from its stream (undefined when it does not exist). */
  readonly engagement: (engagementId: string) => Promise<EngagementState.EngagementState>
  /** A mentor's state, folded from their stream (undefined when not registered). */
  readonly mentor: (mentorId: string) => Promise<MentorState.MentorState>
  /** A mentee's request ledger, folded from their stream (empty when they never asked). */
  readonly mentee: (menteeId: string) => Promise<MenteeState.Mentee>
  /** A stream's events, decoded. Raw events hold private notes: never serve them to end users. */
  readonly history: (
    category: "engagement" | "mentor" | "mentee",
    id: string
  ) => Promise<ReadonlyArray<EventCodec.Envelope>>

  /** An engagement as `viewer` may see it (inline: current as soon as a command resolves). */
  readonly engagementView: (engagementId: string, viewer: ActorInput) => Promise<EngagementView.Document | undefined>
  /** An engagement's sessions and shared notes, and the viewer's own private notes (inline). */
  readonly sessionJournal: (engagementId: string, viewer: ActorInput) => Promise<SessionJournal.ForViewer | undefined>
  /** A mentor's load; others than the mentor and admins see its public part (async). */
  readonly mentorLoad: (
    mentorId: string,
    viewer: ActorInput
  ) => Promise<MentorLoad.MentorLoad | MentorLoad.PublicMentorLoad | undefined>
  /** What waits for a mentor's answer (async). */
  readonly mentorInbox: (mentorId: string, viewer: ActorInput) => Promise<MentorInbox.MentorInbox | undefined>
  /** A mentee's board of advisors (async). */
  readonly menteeNetwork: (menteeId: string, viewer: ActorInput) => Promise<MenteeNetwork.MenteeNetwork | undefined>
  /** The programme's numbers (async). */
  readonly programMetrics: (viewer: ActorInput) => Promise<ProgramMetrics.Programme | undefined>
  /** Mentors who offer an area (async). */
  readonly mentorsInArea: (
    area: string,
    viewer: ActorInput,
    page?: PageOptions
  ) => Promise<Page<MentorLoad.MentorLoad | MentorLoad.PublicMentorLoad>>
  /** A user's engagements as mentor or mentee, newest first (inline). */
  readonly engagementsOf: (
    userId: string,
    role: Role,
    viewer: ActorInput,
    page?: PageOptions
  ) => Promise<Page<EngagementView.Document>>
  /** What falls due, earliest first: all of it for admins and the system, their own for a user (async). */
  readonly deadlines: (viewer: ActorInput, page?: PageOptions) => Promise<Page<Deadlines.Deadline>>
  /** A document of any read model (yours too) as `viewer` may see it. */
  readonly view: <D, I, V>(
    readModel: ReadModel.ReadModel<D, I, V>,
    key: string,
    viewer: ActorInput
  ) => Promise<V | undefined>
  /** A page of any read model's documents in an index's order, as `viewer` may see them. */
  readonly list: <D, I, V, Ix extends string>(
    readModel: ReadModel.ReadModel<D, I, V, Ix>,
    query: Projections.Query<NoInfer<Ix>>,
    viewer: ActorInput
  ) => Promise<Page<V>>

  /**
   * The global log as an async iterator: `for await (const item of stint.events({ live: true, as }))`.
   * With `as`, only the events that viewer may see (`Feed` in the core: their own streams and
   * engagements, a private note only for its author, no notes for staff): serve this to people.
   * Without it, every event, private notes included: for operator tools and your own code only.
   * Leaving the loop stops the subscription; closing the Stint ends every feed.
   */
  readonly events: (options?: FeedOptions) => AsyncIterableIterator<FeedItem>

  /**
   * Resolves once every async read model (or the one named) has applied the log up to now. Inline
   * ones are always current; tests, scripts and hosts that must read their own writes call this.
   */
  readonly catchUp: (projection?: string) => Promise<void>
  /** Every registered projection's generations and progress. */
  readonly status: () => Promise<ReadonlyArray<Projections.Status>>
  /** Rebuilds a projection from the log beside the serving one, then switches to it. */
  readonly rebuild: (
    projection: string,
    options?: { readonly onProgress?: (progress: Projections.Progress) => void }
  ) => Promise<void>

  /** Waits for calls in flight, ends the feeds, stops the runners and closes the database. */
  readonly close: () => Promise<void>
  /** Whether `close` was called. */
  readonly closed: boolean
}

const issuesOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message
  }))

/** Decodes an argument with its schema; `InvalidArgument` names it when it does not match. */
const decode =
  <A, I>(schema: Schema.Schema<A, I>, argument: string) =>
  (input: unknown): Effect.Effect<A, InvalidArgument> =>
    Either.match(Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input), {
      onLeft: (error) => Effect.fail(new InvalidArgument({ argument, issues: issuesOf(error) })),
      onRight: Effect.succeed
    })

const decodeActor = decode(Actor.Actor, "actor")
const decodeViewer = decode(Actor.Actor, "viewer")
const decodeAs = decode(Actor.Actor, "as")
const decodeEngagementId = decode(EngagementId, "engagement id")
const decodeUserId = decode(UserId, "user id")
const decodeArea = decode(Area, "area")
const decodeRole = decode(Schema.Literal("mentor", "mentee"), "role")
const decodeCommandId = decode(CommandId, "commandId")

const streams = {
  engagement: Stint.engagementStream,
  mentor: Stint.mentorStream,
  mentee: Stint.menteeStream
} as const satisfies Record<string, (id: string) => StreamId>

/**
 * A client over a built runtime that provides `Stint` and `Projections`; `close` calls `dispose`
 * (which releases the runtime's layers) once calls in flight have settled.
 */
export const make = (runtime: Runtime.Runtime<Services>, dispose: () => Promise<void>): StintClient => {
  const runPromiseExit = Runtime.runPromiseExit(runtime)
  const inFlight = new Set<Promise<unknown>>()
  const feeds = new Set<Scope.CloseableScope>()
  const shutdown = new AbortController()
  let closing: Promise<void> | undefined

  const call = <A, E>(operation: string, effect: Effect.Effect<A, E, Services>): Promise<A> => {
    if (closing !== undefined) return Promise.reject(new StintClosed({ operation }))
    const promise = runPromiseExit(effect).then(settle)
    const settled = () => inFlight.delete(promise)
    inFlight.add(promise)
    promise.then(settled, settled)
    return promise
  }

  const withStint = <A, E>(f: (stint: Stint.StintShape) => Effect.Effect<A, E>) => Effect.flatMap(Stint.Stint, f)
  const withProjections = <A, E>(f: (projections: Projections.ProjectionsShape) => Effect.Effect<A, E>) =>
    Effect.flatMap(Projections.Projections, f)

  /**
   * `Projections`, once it is known to run the read model's projection: one it does not run would
   * read as empty forever, so a forgotten registration fails loudly instead.
   */
  const registered = <D, I, V, Ix extends string>(readModel: ReadModel.ReadModel<D, I, V, Ix>) =>
    Effect.flatMap(Projections.Projections, (projections) =>
      projections.registered.includes(readModel.projection.name)
        ? Effect.succeed(projections)
        : Effect.fail(new Projections.UnknownProjection({ name: readModel.projection.name }))
    )

  const view = <D, I, V, Ix extends string>(
    readModel: ReadModel.ReadModel<D, I, V, Ix>,
    key: Effect.Effect<string, InvalidArgument>,
    viewer: ActorInput
  ) =>
    Effect.gen(function* () {
      const actor = yield* decodeViewer(viewer)
      const id = yield* key
      const projections = yield* registered(readModel)
      return Option.getOrUndefined(yield* projections.view(readModel, id, actor))
    })

  /**
   * A list query as `viewer`: the viewer and the arguments are decoded (in that order), the read
   * model is known to be registered, then `run` (one of the core's `Queries`) reads the page.
   */
  const query = <X, A, E, D, I, V, Ix extends string>(
    readModel: ReadModel.ReadModel<D, I, V, Ix>,
    viewer: ActorInput,
    args: Effect.Effect<X, InvalidArgument>,
    run: (args: X, actor: Actor.Actor) => Effect.Effect<A, E, Projections.Projections>
  ) =>
    Effect.gen(function* () {
      const actor = yield* decodeViewer(viewer)
      const decoded = yield* args
      yield* registered(readModel)
      return yield* run(decoded, actor)
    })

  const execute = (input: unknown, options: CommandOptions): Promise<CommandResult> =>
    call(
      "execute",
      Effect.gen(function* () {
        const actor = yield* decodeActor(options.actor)
        // An id the store cannot keep (empty, over 200 characters) is the caller's mistake, not a defect.
        if (options.commandId !== undefined) yield* decodeCommandId(options.commandId)
        const stint = yield* Stint.Stint
        return yield* stint.executeUnknown(input, { ...options, actor })
      })
    )

  const client: StintClient = {
    execute: (command, options) => execute(command, options),
    executeUnknown: execute,

    engagement: (id) =>
      call(
        "engagement",
        Effect.flatMap(decodeEngagementId(id), (id) => withStint((s) => s.engagement(id)))
      ),
    mentor: (id) =>
      call(
        "mentor",
        Effect.flatMap(decodeUserId(id), (id) => withStint((s) => s.mentor(id)))
      ),
    mentee: (id) =>
      call(
        "mentee",
        Effect.flatMap(decodeUserId(id), (id) => withStint((s) => s.mentee(id)))
      ),
    history: (category, id) =>
      call(
        "history",
        Effect.gen(function* () {
          const stream = Object.hasOwn(streams, category) ? streams[category] : undefined
          if (stream === undefined) {
            const issues = [{ path: "", message: "engagement, mentor or mentee" }]
            return yield* new InvalidArgument({ argument: "category", issues })
          }
          // The id as its category names it: a bad one is refused, as `engagement(id)` refuses it.
          const valid = category === "engagement" ? yield* decodeEngagementId(id) : yield* decodeUserId(id)
          const stint = yield* Stint.Stint
          return yield* stint.history(stream(valid))
        })
      ),

    engagementView: (id, viewer) =>
      call("engagementView", view(EngagementView.readModel, decodeEngagementId(id), viewer)),
    sessionJournal: (id, viewer) =>
      call("sessionJournal", view(SessionJournal.readModel, decodeEngagementId(id), viewer)),
    mentorLoad: (id, viewer) => call("mentorLoad", view(MentorLoad.readModel, decodeUserId(id), viewer)),
    mentorInbox: (id, viewer) => call("mentorInbox", view(MentorInbox.readModel, decodeUserId(id), viewer)),
    menteeNetwork: (id, viewer) => call("menteeNetwork", view(MenteeNetwork.readModel, decodeUserId(id), viewer)),
    programMetrics: (viewer) => call("programMetrics", view(ProgramMetrics.readModel, Effect.succeed(""), viewer)),
    mentorsInArea: (area, viewer, page) =>
      call(
        "mentorsInArea",
        query(MentorLoad.readModel, viewer, decodeArea(area), (a, actor) => Queries.mentorsInArea(a, actor, page))
      ),
    engagementsOf: (userId, role, viewer, page) =>
      call(
        "engagementsOf",
        query(
          EngagementView.readModel,
          viewer,
          Effect.all([decodeUserId(userId), decodeRole(role)]),
          ([id, r], actor) => Queries.engagementsOf(id, r, actor, page)
        )
      ),
    deadlines: (viewer, page) =>
      call(
        "deadlines",
        query(Deadlines.readModel, viewer, Effect.void, (_, actor) => Queries.deadlines(actor, page))
      ),
    view: (readModel, key, viewer) => call("view", view(readModel, Effect.succeed(key), viewer)),
    list: (readModel, q, viewer) =>
      call(
        "list",
        query(readModel, viewer, Effect.void, (_, actor) =>
          Effect.flatMap(Projections.Projections, (projections) => projections.listView(readModel, q, actor))
        )
      ),

    events: (options = {}) => {
      if (closing !== undefined) return rejectingIterator(new StintClosed({ operation: "events" }))
      let from: Checkpoint.Checkpoint | undefined
      if (options.from !== undefined) {
        from = Checkpoint.parse(options.from)
        if (from === undefined) {
          return rejectingIterator(
            new InvalidArgument({
              argument: "from",
              issues: [{ path: "", message: `a checkpoint is "commit.position", got ${JSON.stringify(options.from)}` }]
            })
          )
        }
      }
      const range = { ...(from === undefined ? {} : { from }), live: options.live ?? false }
      const feed = Stream.unwrap(
        Effect.gen(function* () {
          // A viewer that does not decode rejects the first `next()`, as a bad `from` does.
          const viewer = options.as === undefined ? undefined : yield* decodeAs(options.as)
          const stint = yield* Stint.Stint
          return viewer === undefined ? stint.events(range) : Feed.events(viewer, range)
        })
      ).pipe(
        Stream.map(
          (envelope): FeedItem => ({
            ...envelope,
            checkpoint: Checkpoint.format({ commit: envelope.record.commit, position: envelope.record.position })
          })
        )
      )
      return FeedIterator.iterate({ runtime, feeds, shutdown: shutdown.signal }, feed)
    },

    catchUp: (projection) =>
      call(
        "catchUp",
        withProjections((p) => p.catchUp(projection))
      ),
    status: () =>
      call(
        "status",
        withProjections((p) => p.status)
      ),
    rebuild: (projection, options = {}) =>
      call(
        "rebuild",
        withProjections((p) =>
          p.rebuild(projection, {
            onProgress: (progress) => Effect.sync(() => options.onProgress?.(progress))
          })
        )
      ),

    close: () => {
      if (closing === undefined) {
        shutdown.abort()
        const calls = [...inFlight]
        closing = Promise.allSettled(calls)
          .then(() => Promise.all([...feeds].map((scope) => Effect.runPromise(Scope.close(scope, Exit.void)))))
          .then(dispose)
      }
      return closing
    },
    get closed() {
      return closing !== undefined
    },
    [Symbol.asyncDispose]: () => client.close()
  }
  return client
}

/** An iterator whose first `next` rejects: how a feed reports a bad argument or a closed Stint. */
const rejectingIterator = <A>(error: Error): AsyncIterableIterator<A> => {
  const iterator: AsyncIterableIterator<A> = {
    next: () => Promise.reject(error),
    return: () => Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]: () => iterator
  }
  return iterator
}
