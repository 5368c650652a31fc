import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { rootDir, sources } from "./Snippets.js"

// Every relative link of README.md and docs/*.md names a file that exists and, for a Markdown file,
// a heading that exists (GitHub's anchors), so a renamed page or section fails here, not for a reader.

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
const anchorsOf = (markdown: string): ReadonlySet<string> => {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fenced = false
  for (const line of markdown.split(/\r?\n/)) {
    if (/^ *(`{3,}|~{3,})/.test(line)) fenced = !fenced
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const base = heading[1]!
      .replace(/`/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-")
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** The relative links of a Markdown text outside code, with their line numbers. */
const linksOf = (markdown: string): ReadonlyArray<{ readonly target: string; readonly line: number }> => {
  const links: Array<{ target: string; line: number }> = []
  let fenced = false
  markdown.split(/\r?\n/).forEach((text, index) => {
    if (/^ *(`{3,}|~{3,})/.test(text)) fenced = !fenced
    if (fenced) return
    const prose = text.replace(/`[^`]*`/g, "")
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
      links.push({ target, line: index + 1 })
    }
  })
  return links
}

describe("links", () => {
  for (const source of sources()) {
    it(`${source}: every relative link resolves`, () => {
      const file = path.join(rootDir, source)
      const markdown = fs.readFileSync(file, "utf8")
      const broken: Array<string> = []
      for (const { target, line } of linksOf(markdown)) {
        const [pathPart = "", anchor] = target.split("#")
        const resolved = pathPart === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart))
        if (!fs.existsSync(resolved)) {
          broken.push(`${source}:${line}: ${target}: no such file`)
          continue
        }
        if (anchor !== undefined && anchor !== "" && resolved.endsWith(".md")) {
          if (!anchorsOf(fs.readFileSync(resolved, "utf8")).has(anchor)) {
            broken.push(`${source}:${line}: ${target}: no heading with that anchor`)
          }
        }
      }
      if (broken.length > 0) assert.fail(`\n${broken.join("\n")}`)
    })
  }
})
