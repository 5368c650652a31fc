/**
 * Checks that a scan of the whole log is exact: as many events as were written, none twice, each
 * stream's versions 1, 2, 3… in order, and the global order key strictly increasing. While the scan is
 * timed it only records what it saw (four array pushes per event, the same for every store); the
 * checks run after the clock stops.
 */

/** What one scan found. */
export interface Verdict {
  readonly count: number
  readonly expected: number
  readonly exact: boolean
  /** False when the store does not expose the key it orders by, so global order was not checked. */
  readonly orderChecked: boolean
  /** What was wrong, at most a few examples; empty when exact. */
  readonly problems: ReadonlyArray<string>
}

export class ScanCheck {
  /** Whether `add` receives the key the store orders by (false: global order cannot be checked). */
  orderKnown = true
  private readonly streams: Array<string> = []
  private readonly versions: Array<number> = []
  private readonly commits: Array<bigint> = []
  private readonly positions: Array<bigint> = []

  /**
   * Records one event: its stream, its version in the stream, and its place in the global order as
   * the store exposes it (`commit` 0 when the store orders by position alone).
   */
  add(streamId: string, version: number, commit: bigint, position: bigint): void {
    this.streams.push(streamId)
    this.versions.push(version)
    this.commits.push(commit)
    this.positions.push(position)
  }

  get count(): number {
    return this.streams.length
  }

  /** Checks what was recorded against the number of events the workload wrote. */
  verify(expected: number): Verdict {
    const problems: Array<string> = []
    const report = (problem: string) => {
      if (problems.length < 5) problems.push(problem)
    }
    const count = this.streams.length
    if (count !== expected) report(`read ${count} events, ${expected} were written`)
    const lastVersion = new Map<string, number>()
    let duplicates = 0
    let outOfOrder = 0
    let gaps = 0
    for (let i = 0; i < count; i++) {
      const stream = this.streams[i]!
      const version = this.versions[i]!
      const previous = lastVersion.get(stream) ?? 0
      if (version <= previous) duplicates++
      else if (version !== previous + 1) gaps++
      lastVersion.set(stream, Math.max(previous, version))
      if (i > 0 && this.orderKnown) {
        const c = this.commits[i]!
        const p = this.positions[i]!
        const pc = this.commits[i - 1]!
        const pp = this.positions[i - 1]!
        if (c < pc || (c === pc && p <= pp)) outOfOrder++
      }
    }
    if (duplicates > 0) report(`${duplicates} events read twice or behind a later version of their stream`)
    if (gaps > 0) report(`${gaps} stream versions skipped`)
    if (outOfOrder > 0) report(`${outOfOrder} events out of global order`)
    return { count, expected, exact: problems.length === 0, orderChecked: this.orderKnown, problems }
  }
}
