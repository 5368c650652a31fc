/**
 * Stint's full domain path: the real `Stint.Stint` service (`Stint.layer()` over the store, default
 * policy) executing the real commands. Per engagement, seven commands: RequestEngagement (mentee),
 * AgreeEngagement (mentor), RecordSession ×2, RecordGoalOutcome "met" by the mentee and by the mentor
 * (the default policy's goal rule is "both"), CloseEngagement "completed". Each command checks its
 * id (`lookupCommand`), loads up to three streams, decides, and appends atomically to the streams it
 * touches; mentors are registered before the clock starts.
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@stint/core/Actor"
import type { Command } from "@stint/core/Command"
import { Area, EngagementId, SessionId, UserId } from "@stint/core/Ids"
import * as Policy from "@stint/core/Policy"
import * as Stint from "@stint/core/Stint"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Memory from "../Memory.js"
import type { Place, RunStats, Subject } from "../Subject.js"
import * as Workload from "../Workload.js"
import * as BenchClock from "./BenchClock.js"
import * as StintScan from "./StintScan.js"
import * as StintStores from "./StintStores.js"

/** Commands the full path issues per engagement. */
export const commandsPerEngagement = 7

const area = Area.make(Workload.area)

interface Stats {
  commands: number
  events: number
}

const drive = (
  stint: Stint.StintShape,
  engagement: Workload.Engagement,
  stats: Stats,
  afterCommand: Effect.Effect<void> | undefined
) =>
  Effect.gen(function* () {
    const engagementId = EngagementId.make(engagement.id)
    const mentorId = UserId.make(engagement.mentorId)
    const menteeId = UserId.make(engagement.menteeId)
    const mentor = { actor: Actor.user(mentorId) }
    const mentee = { actor: Actor.user(menteeId) }
    const execute = (command: Command, context: { readonly actor: Actor.Actor }) => {
      const counted = Effect.tap(stint.execute(command, context), (result) => {
        stats.commands++
        stats.events += result.events.length
      })
      return afterCommand === undefined ? counted : Effect.zipLeft(counted, afterCommand)
    }

    yield* execute(
      {
        _tag: "RequestEngagement",
        engagementId,
        mentorId,
        area,
        need: Workload.need,
        goals: [Workload.goal],
        scope: { sessions: 2 }
      },
      mentee
    )
    const agreed = yield* execute({ _tag: "AgreeEngagement", engagementId }, mentor)
    const agreement = agreed.events.find((envelope) => envelope.event._tag === "EngagementAgreed")?.event
    if (agreement?._tag !== "EngagementAgreed") return yield* Effect.dieMessage("AgreeEngagement wrote no agreement")
    // Sessions at the agreement and a millisecond later: within the window, never in the future.
    for (const heldAt of [agreement.agreedAt, DateTime.add(agreement.agreedAt, { millis: 1 })]) {
      yield* execute(
        { _tag: "RecordSession", engagementId, sessionId: SessionId.make(randomUUID()), heldAt, minutes: 20 },
        mentor
      )
    }
    yield* execute({ _tag: "RecordGoalOutcome", engagementId, goalIndex: 0, outcome: "met" }, mentee)
    yield* execute({ _tag: "RecordGoalOutcome", engagementId, goalIndex: 0, outcome: "met" }, mentor)
    yield* execute({ _tag: "CloseEngagement", engagementId, outcome: "completed" }, mentor)
    Memory.tick()
  })

/** The distinct mentors of some engagements. */
const mentorsOf = (loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>): ReadonlyArray<string> =>
  [...new Set(loops.flat().map((engagement) => engagement.mentorId))].sort()

/** Registers the mentors of these loops (untimed setup); the events it appended. */
export const registerMentors = (loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>) =>
  Effect.gen(function* () {
    const stint = yield* Stint.Stint
    let events = 0
    for (const id of mentorsOf(loops)) {
      const mentorId = UserId.make(id)
      const result = yield* stint.execute(
        { _tag: "RegisterMentor", mentorId, areas: [area] },
        { actor: Actor.user(mentorId) }
      )
      events += result.events.length
    }
    return events
  }).pipe(Effect.orDie)

/**
 * Runs the loops at once, each driving its engagements through the seven commands in turn, and
 * running `afterCommand` (when given) after each command.
 */
export const runLoops = (
  loops: ReadonlyArray<ReadonlyArray<Workload.Engagement>>,
  afterCommand?: Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const stint = yield* Stint.Stint
    const stats: Stats = { commands: 0, events: 0 }
    yield* Effect.forEach(
      loops,
      (loop) => Effect.forEach(loop, (engagement) => drive(stint, engagement, stats, afterCommand), { discard: true }),
      { concurrency: "unbounded", discard: true }
    )
    return { commands: stats.commands, events: stats.events, conflicts: undefined } satisfies RunStats
  }).pipe(Effect.orDie)

export const make = async (place: Place): Promise<Subject> => {
  const runtime = ManagedRuntime.make(
    Stint.layer().pipe(
      Layer.provideMerge(StintStores.layer(place)),
      Layer.provideMerge(Policy.layerDefault),
      Layer.provideMerge(BenchClock.layer())
    )
  )
  await runtime.runPromise(Effect.void)
  return {
    prepare: (loops) => runtime.runPromise(registerMentors(loops)),
    run: (loops) => runtime.runPromise(runLoops(loops)),
    scan: (check, batchSize) => runtime.runPromise(StintScan.scan(check, batchSize)),
    settings: () => runtime.runPromise(StintStores.settings),
    close: () => runtime.dispose()
  }
}
