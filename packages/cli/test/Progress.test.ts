/** The rebuild's progress display: the numbers, the bar on a terminal, one line a second elsewhere. */
import { assert, describe, it } from "@effect/vitest"
import * as Progress from "../src/internal/progress.js"

const recorder = (isTTY: boolean) => {
  const written: Array<string> = []
  return { output: { isTTY, columns: 200, write: (text: string) => written.push(text) }, written }
}

const report = (eventsDone: number, eventsTotal = 100_000) => ({
  name: "mentor-load",
  generation: 2,
  eventsDone,
  eventsTotal
})

describe("Progress", () => {
  it("formats counts, durations and the bar", () => {
    assert.strictEqual(Progress.count(41_200), "41,200")
    assert.strictEqual(Progress.duration(7.4), "7s")
    assert.strictEqual(Progress.duration(125), "2m05s")
    assert.strictEqual(Progress.duration(3720), "1h02m")
    assert.strictEqual(Progress.bar(41_200, 100_000, 10), "[####......]")
    assert.strictEqual(Progress.bar(0, 0, 4), "[####]")
    assert.strictEqual(
      Progress.describe({ done: 41_200, total: 100_000, rate: 8_310 }),
      "41,200/100,000 events  8,310 ev/s  ETA 7s"
    )
    assert.strictEqual(Progress.describe({ done: 500, total: 100_000, rate: undefined }), "500/100,000 events")
  })

  it("redraws one line on a terminal, measuring the rate from the first report", () => {
    const { output, written } = recorder(true)
    let now = 0
    const progress = Progress.reporter("mentor-load", output, () => now)
    now = 100
    progress.onProgress(report(500))
    now = 5_100
    progress.onProgress(report(41_200))
    assert.strictEqual(
      written[1],
      "\rmentor-load [########............] 41,200/100,000 events  8,140 ev/s  ETA 7s\x1b[K"
    )
    const done = progress.finish()
    assert.strictEqual(written.at(-1), "\r\x1b[K")
    assert.strictEqual(done.generation, 2)
    assert.strictEqual(Math.round(done.rate), 8_140)
  })

  it("elsewhere prints the first report, then at most one line a second, and the last", () => {
    const { output, written } = recorder(false)
    let now = 0
    const progress = Progress.reporter("mentor-load", output, () => now)
    for (const [at, done] of [
      [0, 500],
      [300, 1_000],
      [900, 1_500],
      [1_000, 2_000],
      [1_500, 2_500],
      [1_600, 3_000],
      [1_610, 3_000] // the head reported again (the switch after the last batch): not printed twice
    ] as const) {
      now = at
      progress.onProgress(report(done, 3_000))
    }
    progress.finish()
    assert.deepStrictEqual(written, [
      "mentor-load: 500/3,000 events\n",
      "mentor-load: 2,000/3,000 events  1,500 ev/s  ETA 1s\n",
      "mentor-load: 3,000/3,000 events  1,563 ev/s  ETA 0s\n"
    ])
  })
})
