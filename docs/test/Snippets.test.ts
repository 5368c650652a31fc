import * as path from "node:path"
import { assert, beforeAll, describe, it } from "vitest"
import { type Compiled, compile, docsDir, outputMismatch, run, type Snippet, writeAll } from "./Snippets.js"

// Every TypeScript block of README.md and docs/*.md is type-checked (one compiler run for all of
// them); blocks fenced ```ts run are also executed. See docs/index.md#how-the-snippets-are-checked.
const snippets: ReadonlyArray<Snippet> = writeAll()
const checkerFiles = [
  "test/Snippets.ts",
  "test/Snippets.test.ts",
  "test/Links.test.ts",
  "test/RefusalTable.ts",
  "test/RefusalTable.test.ts",
  "vitest.config.ts"
].map((f) => path.join(docsDir, f))
const runTimeout = 60_000

let compiled: Compiled
beforeAll(() => {
  compiled = compile(snippets, checkerFiles)
}, 300_000)

const problems = (file: string) => compiled.byFile.get(path.resolve(file)) ?? []

describe("snippets", () => {
  it("the compiler settings load", () => {
    assert.deepStrictEqual(
      compiled.global.map((p) => p.message),
      []
    )
  })

  it("the checker itself type-checks", () => {
    const messages = checkerFiles.flatMap((file) => problems(file).map((p) => p.message))
    if (messages.length > 0) assert.fail(messages.join("\n"))
  })

  for (const source of [...new Set(snippets.map((s) => s.source))]) {
    describe(source, () => {
      for (const snippet of snippets.filter((s) => s.source === source)) {
        const label = `${snippet.source}:${snippet.fenceLine}`
        it(`${label} type-checks`, () => {
          const messages = problems(snippet.file).map((p) => p.message)
          if (messages.length > 0) assert.fail(`${label} (${snippet.file}):\n${messages.join("\n")}`)
        })
        if (snippet.run) {
          it(
            `${label} runs`,
            async () => {
              const result = await run(snippet, runTimeout)
              const how = result.timedOut
                ? `did not finish within ${runTimeout / 1000} s`
                : `exited with ${result.code ?? result.signal}`
              if (result.code !== 0) assert.fail(`${label} (${snippet.file}) ${how}:\n${result.output.slice(-4000)}`)
              if (snippet.expected === undefined) return
              const mismatch = outputMismatch(snippet.expected.text, result.stdout)
              if (mismatch !== undefined) {
                assert.fail(
                  `${label} printed what ${snippet.source}:${snippet.expected.line} does not show (${mismatch}):\n${result.stdout}`
                )
              }
            },
            runTimeout + 10_000
          )
        }
      }
    })
  }
})
