/**
 * What happens next in a simulated programme: steps ordered by the instant they are due (and, at the
 * same instant, by the order they were planned), kept in a binary heap.
 */

interface Entry<A> {
  readonly at: number
  readonly order: number
  readonly step: A
}

export class Agenda<A> {
  private readonly heap: Array<Entry<A>> = []
  private planned = 0

  get size(): number {
    return this.heap.length
  }

  /** Plans `step` for the instant `at` (epoch milliseconds). */
  add(at: number, step: A): void {
    const heap = this.heap
    heap.push({ at, order: this.planned++, step })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  /** The earliest step, removed; undefined when nothing is planned. */
  next(): { readonly at: number; readonly step: A } | undefined {
    const heap = this.heap
    const first = heap[0]
    if (first === undefined) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left
        if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
        i = smallest
      }
    }
    return { at: first.at, step: first.step }
  }

  private before(a: Entry<A>, b: Entry<A>): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order)
  }
}
