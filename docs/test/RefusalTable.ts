/**
 * The refusal table of docs/http-api.md ("Which refusal gets which status"), checked against
 * `@stint/core`: one row per kind with the status the server gives it, and every refusal in the row
 * of its kind, once. The table is written by hand and read by this check, so it cannot drift.
 */
import { Refusal } from "@stint/core"

/** The page and the heading the table follows. */
export const page = "docs/http-api.md"
export const heading = "### Which refusal gets which status"

/** The status the example server gives each kind (examples/server/src/Commands.ts, tested there). */
export const statusOfKind: { readonly [Kind in Refusal.RefusalKind]: number } = {
  forbidden: 403,
  not_found: 404,
  invalid: 422,
  conflict: 409
}

/** One row of the table, as written. */
export interface Row {
  /** The 1-based line in the page. */
  readonly line: number
  readonly kind: string
  readonly status: string
  readonly refusals: ReadonlyArray<string>
}

const cells = (line: string): ReadonlyArray<string> =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((cell) => cell.trim())

const names = (cell: string): ReadonlyArray<string> => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!)

/** The rows of the first table after the heading, or a sentence saying why there are none. */
export const rowsOf = (markdown: string): ReadonlyArray<Row> | string => {
  const lines = markdown.split(/\r?\n/)
  const at = lines.findIndex((line) => line.trim() === heading)
  if (at < 0) return `${page}: no heading "${heading}"; the refusal table follows it`
  let start = at + 1
  while (start < lines.length && !lines[start]!.trim().startsWith("|") && !lines[start]!.startsWith("#")) start++
  if (start >= lines.length || !lines[start]!.trim().startsWith("|")) {
    return `${page}:${at + 1}: no table after "${heading}"`
  }
  const rows: Array<Row> = []
  // The header and its `|---|` line come first.
  for (let i = start + 2; i < lines.length && lines[i]!.trim().startsWith("|"); i++) {
    const [kind = "", status = "", refusals = ""] = cells(lines[i]!)
    rows.push({ line: i + 1, kind: names(kind)[0] ?? kind, status, refusals: names(refusals) })
  }
  return rows
}

/** What is wrong with the table, each naming its line and the fix; empty when the table is right. */
export const problems = (markdown: string): ReadonlyArray<string> => {
  const rows = rowsOf(markdown)
  if (typeof rows === "string") return [rows]
  const found: Array<string> = []
  const kinds = Refusal.RefusalKind.literals
  const rowOfKind = new Map<string, Row>()
  const rowOfTag = new Map<string, Row>()
  for (const row of rows) {
    const where = `${page}:${row.line}`
    if (!(kinds as ReadonlyArray<string>).includes(row.kind)) {
      found.push(`${where}: "${row.kind}" is not a kind of refusal (${kinds.join(", ")})`)
      continue
    }
    const kind = row.kind as Refusal.RefusalKind
    if (rowOfKind.has(kind)) found.push(`${where}: \`${kind}\` has a row already, at line ${rowOfKind.get(kind)!.line}`)
    rowOfKind.set(kind, row)
    if (row.status !== String(statusOfKind[kind])) {
      found.push(`${where}: the server answers \`${kind}\` with ${statusOfKind[kind]}, the row says "${row.status}"`)
    }
    for (const tag of row.refusals) {
      const actual: Refusal.RefusalKind | undefined = Object.hasOwn(Refusal.kindByTag, tag)
        ? Refusal.kindByTag[tag as Refusal.Refusal["_tag"]]
        : undefined
      if (actual === undefined) found.push(`${where}: \`${tag}\` is not a refusal of @stint/core`)
      else if (actual !== kind) found.push(`${where}: \`${tag}\` is listed as \`${kind}\`, its kind is \`${actual}\``)
      else if (rowOfTag.has(tag)) found.push(`${where}: \`${tag}\` is listed twice`)
      rowOfTag.set(tag, row)
    }
  }
  for (const kind of kinds) {
    if (!rowOfKind.has(kind)) found.push(`${page}: no row for \`${kind}\` (${statusOfKind[kind]})`)
  }
  for (const [tag, kind] of Object.entries(Refusal.kindByTag)) {
    if (!rowOfTag.has(tag)) {
      found.push(`${page}: \`${tag}\` is missing; add it to the \`${kind}\` row (${statusOfKind[kind]})`)
    }
  }
  return found
}
