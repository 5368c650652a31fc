/**
 * A clock whose time the driver sets: the traffic generator walks a programme of several months in
 * seconds, and the log copy re-appends each command at the instant it was first recorded. `set` never
 * goes back and always moves at least a millisecond, so no two commands share an instant (Stint
 * refuses two sessions at the same instant). Sleeps and nanoseconds (spans) stay real.
 */
import type * as Clock from "effect/Clock"
import * as Layer from "effect/Layer"
import * as BenchClock from "../stint/BenchClock.js"

export interface SimulatedClock {
  readonly clock: Clock.Clock
  /** Moves to `millis`, or a millisecond past the current time when that is not later; the new time. */
  readonly set: (millis: number) => number
  /** Moves to exactly `millis` (the log copy replays recorded instants, which may repeat). */
  readonly setExactly: (millis: number) => void
  readonly now: () => number
}

export const make = (start: number): SimulatedClock => {
  let current = start
  const millis = () => current
  const clock = BenchClock.fromMillis(millis)
  return {
    clock,
    set: (target) => {
      current = target > current ? target : current + 1
      return current
    },
    setExactly: (target) => {
      current = target
    },
    now: millis
  }
}

/** Runs everything built from this layer on the simulated clock. */
export const layer = (simulated: SimulatedClock): Layer.Layer<never> => Layer.setClock(simulated.clock)
