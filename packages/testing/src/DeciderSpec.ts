/**
 * Given / when / then specifications for the pure decider: given the events already in each
 * stream, when an actor sends a command at a time, then these events are decided, or this refusal.
 */
import { assert } from "@effect/vitest"
import * as Decider from "@stint/core/Decider"
import type { Actor } from "@stint/core/Actor"
import type { Command } from "@stint/core/Command"
import type { Decision } from "@stint/core/Decision"
import * as Policy from "@stint/core/Policy"
import type { EngagementEvent } from "@stint/core/EngagementEvent"
import * as EngagementState from "@stint/core/EngagementState"
import type { MenteeEvent } from "@stint/core/MenteeEvent"
import * as MenteeState from "@stint/core/MenteeState"
import type { MentorEvent } from "@stint/core/MentorEvent"
import * as MentorState from "@stint/core/MentorState"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"

export interface Given {
  readonly engagement?: ReadonlyArray<EngagementEvent>
  readonly mentor?: ReadonlyArray<MentorEvent>
  readonly mentee?: ReadonlyArray<MenteeEvent>
  readonly policy?: Policy.Policy
}

/** Starts a spec from the events already in the engagement, mentor and mentee streams. */
export const given = (history: Given = {}) => ({
  /** The command, its actor and the decision time. */
  when: (command: Command, actor: Actor, now: DateTime.Utc) => {
    const result = Decider.decide(command, {
      actor,
      now,
      policy: history.policy ?? Policy.defaults,
      engagement: EngagementState.fold(history.engagement ?? []),
      mentor: MentorState.fold(history.mentor ?? []),
      mentee: MenteeState.fold(history.mentee ?? [])
    })
    return {
      result,
      /** Asserts the decided events, stream by stream (streams left out must decide nothing). */
      thenDecides: (expected: Partial<Decision>): Decision => {
        if (Either.isLeft(result))
          assert.fail(`expected events, got refusal ${result.left._tag}: ${result.left.message}`)
        const d = result.right
        assert.deepStrictEqual(
          { engagement: d.engagement, mentor: d.mentor, mentee: d.mentee },
          { engagement: expected.engagement ?? [], mentor: expected.mentor ?? [], mentee: expected.mentee ?? [] }
        )
        return d
      },
      /** Asserts the event types decided for the engagement stream, in order. */
      thenTypes: (types: ReadonlyArray<string>): Decision => {
        if (Either.isLeft(result))
          assert.fail(`expected events, got refusal ${result.left._tag}: ${result.left.message}`)
        assert.deepStrictEqual(
          result.right.engagement.map((e) => e._tag),
          [...types]
        )
        return result.right
      },
      /** Asserts a refusal with this tag and, optionally, these fields. */
      thenRefused: (tag: string, fields: Record<string, unknown> = {}) => {
        if (Either.isRight(result)) assert.fail(`expected ${tag}, got events ${JSON.stringify(result.right)}`)
        const refusal = result.left
        assert.strictEqual(refusal._tag, tag, refusal.message)
        for (const [k, v] of Object.entries(fields))
          assert.deepStrictEqual((refusal as unknown as Record<string, unknown>)[k], v, `field ${k}`)
        return refusal
      }
    }
  }
})

/** `start + days`, for readable times in specs. */
export const at = (days: number, hours = 0): DateTime.Utc =>
  DateTime.add(DateTime.unsafeMake("2026-01-05T09:00:00Z"), { days, hours })
