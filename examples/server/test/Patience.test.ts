/**
 * The waiting rule of the end-to-end harness: a wait goes on while the value it reads changes, however
 * long that takes, and fails only after a stretch without any change.
 */
import { assert, describe, it } from "@effect/vitest"
import { semaphore, sleep, waitWhileProgressing } from "./support/Patience.js"

describe("waitWhileProgressing", () => {
  it("keeps waiting past its idle budget while the value moves", async () => {
    const started = Date.now()
    let count = 0
    const value = await waitWhileProgressing({
      what: "a slow counter",
      read: () => ++count,
      done: (n) => n >= 12,
      // 40 ms a step, a 100 ms budget without progress: 12 steps take far longer than the budget.
      intervalMs: 40,
      idleMs: 100 / Math.max(1, Number(process.env.STINT_TEST_SLOWDOWN) || 1)
    })
    assert.strictEqual(value, 12)
    assert.isAbove(Date.now() - started, 400)
  })

  it("fails with what it waited for once the value stops moving", async () => {
    const error = await waitWhileProgressing({
      what: "a stuck counter",
      read: () => 7,
      done: (n) => n > 7,
      idleMs: 100 / Math.max(1, Number(process.env.STINT_TEST_SLOWDOWN) || 1)
    }).then(
      () => undefined,
      (e: unknown) => String(e)
    )
    assert.include(error, "a stuck counter: no progress for")
    assert.include(error, "last value: 7")
  })
})

describe("semaphore", () => {
  it("runs at most its permits at once, and all of them", async () => {
    const limit = semaphore(2)
    let running = 0
    let most = 0
    const done = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limit(async () => {
          running++
          most = Math.max(most, running)
          await sleep(10)
          running--
          return i
        })
      )
    )
    assert.deepStrictEqual(
      done,
      Array.from({ length: 8 }, (_, i) => i)
    )
    assert.strictEqual(most, 2)
  })
})
