import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { page, problems } from "./RefusalTable.js"
import { rootDir } from "./Snippets.js"

// docs/http-api.md lists every refusal under the status its kind gets, checked against @stint/core.
const markdown = fs.readFileSync(path.join(rootDir, page), "utf8")

/** The page with one line of its table replaced. */
const withRow = (row: string, replacement: string): string => {
  const line = markdown.split("\n").find((l) => l.startsWith(row))
  assert.isDefined(line, `no line starting ${row} in ${page}`)
  return markdown.replace(line!, replacement)
}

/** The same problems, whatever the line numbers. */
const withoutLines = (found: ReadonlyArray<string>) => found.map((p) => p.replace(/^docs\/http-api\.md(:\d+)?: /, ""))

describe("the refusal table of docs/http-api.md", () => {
  it("lists every refusal of @stint/core under its kind's status", () => {
    const found = problems(markdown)
    if (found.length > 0) assert.fail(found.join("\n"))
  })

  it("fails for a missing refusal, naming the row to add it to", () => {
    const conflict = markdown.split("\n").find((l) => l.startsWith("| `conflict` |"))!
    const found = problems(markdown.replace(conflict, conflict.replace(" `NotDueYet`,", "")))
    assert.deepStrictEqual(withoutLines(found), ["`NotDueYet` is missing; add it to the `conflict` row (409)"])
  })

  it("fails for a refusal in the row of another kind", () => {
    const found = problems(
      withRow(
        "| `invalid` |",
        "| `invalid` | 422 | `SelfMentoring`, `OutOfBounds`, `ReasonRequired`, `AreaNotOffered`, `NoteNotAllowed` |"
      )
    )
    assert.deepStrictEqual(withoutLines(found), [
      "`NoteNotAllowed` is listed as `invalid`, its kind is `conflict`",
      "`NoteNotAllowed` is listed twice"
    ])
  })

  it("fails for a wrong status, an unknown kind and a name that is no refusal", () => {
    assert.deepStrictEqual(withoutLines(problems(withRow("| `forbidden` |", "| `forbidden` | 401 | `NotAllowed` |"))), [
      'the server answers `forbidden` with 403, the row says "401"'
    ])
    assert.deepStrictEqual(withoutLines(problems(withRow("| `forbidden` |", "| `denied` | 403 | `NotAllowed` |"))), [
      '"denied" is not a kind of refusal (forbidden, not_found, invalid, conflict)',
      "no row for `forbidden` (403)",
      "`NotAllowed` is missing; add it to the `forbidden` row (403)"
    ])
    assert.deepStrictEqual(
      withoutLines(problems(withRow("| `forbidden` |", "| `forbidden` | 403 | `NotAllowed`, `Banned` |"))),
      ["`Banned` is not a refusal of @stint/core"]
    )
  })

  it("fails when the heading or its table is gone", () => {
    assert.deepStrictEqual(problems("# HTTP API\n"), [
      `${page}: no heading "### Which refusal gets which status"; the refusal table follows it`
    ])
    assert.deepStrictEqual(withoutLines(problems("### Which refusal gets which status\n\ntext\n\n## Next\n")), [
      'no table after "### Which refusal gets which status"'
    ])
  })
})
