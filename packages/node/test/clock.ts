/** A clock the test sets: decisions read `now` from it, sleeps still take real time. */
import { Clock, Effect } from "effect"

export interface SetClock extends Clock.Clock {
  /** Millis since the epoch that `now` returns from here on. */
  now: number
}

export const make = (start: number): SetClock => {
  const real = Clock.make()
  const clock: SetClock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    now: start,
    unsafeCurrentTimeMillis: () => clock.now,
    currentTimeMillis: Effect.sync(() => clock.now),
    unsafeCurrentTimeNanos: () => BigInt(clock.now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(clock.now) * 1_000_000n),
    sleep: (duration) => real.sleep(duration)
  }
  return clock
}
