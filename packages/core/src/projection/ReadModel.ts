/**
 * A read model: a projection and what each viewer may see of its documents. Hosts serve documents
 * through `view`, never raw, so a rule such as "a private note is shown only to its author" (INV-16)
 * lives in one place and every read model can be checked against every viewer.
 */
import type { Actor } from "../store/Actor.js"
import type { Projection } from "./Projection.js"

/** A read model over a projection with documents `D` (stored as `I`), seen as `V`, indexed by `Ix`. */
export interface ReadModel<D, I = D, V = D, Ix extends string = string> {
  readonly projection: Projection<D, I, Ix>
  /** What `viewer` may see of a document; undefined when they may not see it at all. */
  readonly view: (document: D, id: string, viewer: Actor) => V | undefined
  /** The id of the document for a key callers know (a mentor's id for MentorLoad). */
  readonly documentId: (key: string) => string
}

// biome-ignore lint/suspicious/noExplicitAny: a list of read models of every document type
export type Any = ReadModel<any, any, any, any>

/** Defines a read model; `documentId` defaults to the key itself. */
export const make = <D, I, V, Ix extends string>(
  projection: Projection<D, I, Ix>,
  view: ReadModel<D, I, V, Ix>["view"],
  options: { readonly documentId?: (key: string) => string } = {}
): ReadModel<D, I, V, Ix> => ({
  projection,
  view,
  documentId: options.documentId ?? ((key) => key)
})
