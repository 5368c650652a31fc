/**
 * A pure, in-memory world for property tests: the three kinds of streams as arrays of events, a clock
 * and a policy. `step` does what the command handler does (load the target streams, decide, append)
 * without a store, so thousands of generated sequences run in milliseconds.
 */
import * as Decider from "@stint/core/Decider"
import type * as D from "@stint/core/Decision"
import type { Actor } from "@stint/core/Actor"
import type { Command } from "@stint/core/Command"
import type { Policy } from "@stint/core/Policy"
import type { EngagementEvent } from "@stint/core/EngagementEvent"
import * as EngagementState from "@stint/core/EngagementState"
import type { MenteeEvent } from "@stint/core/MenteeEvent"
import * as MenteeState from "@stint/core/MenteeState"
import type { MentorEvent } from "@stint/core/MentorEvent"
import * as MentorState from "@stint/core/MentorState"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"

export interface World {
  readonly engagements: ReadonlyMap<string, ReadonlyArray<EngagementEvent>>
  readonly mentors: ReadonlyMap<string, ReadonlyArray<MentorEvent>>
  readonly mentees: ReadonlyMap<string, ReadonlyArray<MenteeEvent>>
  readonly now: DateTime.Utc
  readonly policy: Policy
}

/** One executed step: what was decided, from which input, and the world before and after. */
export interface Trace {
  readonly command: Command
  readonly actor: Actor
  readonly input: D.Input
  readonly targets: Decider.Targets
  readonly result: D.Result
  readonly before: World
  readonly after: World
}

export const make = (policy: Policy, now: DateTime.Utc): World => ({
  engagements: new Map(),
  mentors: new Map(),
  mentees: new Map(),
  now,
  policy
})

export const engagement = (world: World, id: string): EngagementState.EngagementState =>
  EngagementState.fold(world.engagements.get(id) ?? [])
export const mentor = (world: World, id: string): MentorState.MentorState =>
  MentorState.fold(world.mentors.get(id) ?? [])
export const mentee = (world: World, id: string): MenteeState.Mentee => MenteeState.fold(world.mentees.get(id) ?? [])

/** Every engagement that exists, folded. */
export const engagements = (world: World): ReadonlyArray<EngagementState.Engagement> => {
  const out: Array<EngagementState.Engagement> = []
  for (const id of world.engagements.keys()) {
    const e = engagement(world, id)
    if (e !== undefined) out.push(e)
  }
  return out
}

/** Moves the clock forward (never backwards). */
export const advance = (world: World, millis: number): World =>
  millis <= 0 ? world : { ...world, now: DateTime.add(world.now, { millis }) }

const append = <E>(
  streams: ReadonlyMap<string, ReadonlyArray<E>>,
  key: string | undefined,
  events: ReadonlyArray<E>
): ReadonlyMap<string, ReadonlyArray<E>> => {
  if (events.length === 0) return streams
  if (key === undefined) throw new Error("a decision wrote to a stream its command does not target")
  const next = new Map(streams)
  next.set(key, [...(streams.get(key) ?? []), ...events])
  return next
}

/** The input the decider sees for a command, as the handler would load it. */
export const inputFor = (
  world: World,
  command: Command,
  actor: Actor
): { readonly input: D.Input; readonly targets: Decider.Targets } => {
  const engagementId = Decider.engagementOf(command)
  const loaded = engagementId === undefined ? undefined : engagement(world, engagementId)
  const targets = Decider.targets(command, actor, loaded)
  const input: D.Input = {
    actor,
    now: world.now,
    policy: world.policy,
    engagement: targets.engagementId === undefined ? undefined : engagement(world, targets.engagementId),
    mentor: targets.mentorId === undefined ? undefined : mentor(world, targets.mentorId),
    mentee: targets.menteeId === undefined ? MenteeState.initial : mentee(world, targets.menteeId)
  }
  return { input, targets }
}

/** Decides one command at the world's `now` and appends what it decided. */
export const step = (
  world: World,
  command: Command,
  actor: Actor
): { readonly world: World; readonly result: D.Result } => {
  const trace = stepTrace(world, command, actor)
  return { world: trace.after, result: trace.result }
}

/** `step`, keeping everything a property may want to look at. */
export const stepTrace = (world: World, command: Command, actor: Actor): Trace => {
  const { input, targets } = inputFor(world, command, actor)
  const result = Decider.decide(command, input)
  const after = Either.match(result, {
    onLeft: () => world,
    onRight: (decision): World => ({
      ...world,
      engagements: append(world.engagements, targets.engagementId, decision.engagement),
      mentors: append(world.mentors, targets.mentorId, decision.mentor),
      mentees: append(world.mentees, targets.menteeId, decision.mentee)
    })
  })
  return { command, actor, input, targets, result, before: world, after }
}
