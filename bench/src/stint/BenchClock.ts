/**
 * A wall clock whose milliseconds never repeat: `max(Date.now(), last + 1)`. The full domain path
 * records two sessions right after the agreement, and Stint refuses a session in the future or at the
 * same instant as another; on a fast store all three can fall in one millisecond. Stint takes time
 * from Effect's `Clock` by design, so the bench provides this one; nanoseconds (spans) stay real.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** A clock whose milliseconds come from `millis`; nanoseconds and sleeps stay real. */
export const fromMillis = (millis: () => number): Clock.Clock => {
  const real = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    currentTimeMillis: Effect.sync(millis),
    unsafeCurrentTimeNanos: () => real.unsafeCurrentTimeNanos(),
    currentTimeNanos: real.currentTimeNanos,
    sleep: (duration) => real.sleep(duration)
  }
}

export const make = (): Clock.Clock => {
  let last = 0
  return fromMillis(() => {
    const now = Date.now()
    last = now > last ? now : last + 1
    return last
  })
}

/** Runs everything built from this layer on a fresh strictly increasing clock. */
export const layer = (): Layer.Layer<never> => Layer.setClock(make())
