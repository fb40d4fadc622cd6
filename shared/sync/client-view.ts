// A client's state for one shared document (core.js `shareObj` sync fields). Pure values.

import { normalizeLineBreaks, toWellFormed } from '../mobwrite/escape.ts'
import type { Hunk } from '../mobwrite/delta.ts'
import type { StackedEdit } from './types.ts'

/** The client's state for one shared document (core.js `shareObj`). */
export interface ClientView {
  /** The document name. */
  readonly file: string
  /** The text the client believes the server has for it (the client shadow). */
  readonly shadow: string
  /** Version the client's next edit carries (`d:<clientVersion>:`). */
  readonly clientVersion: number
  /** Server version the client expects next; sent as `F:<serverVersion>:`. */
  readonly serverVersion: number
  /** Sent edits the server has not acknowledged yet, oldest first. */
  readonly editStack: readonly StackedEdit[]
  /** False until the first answer and after a failure: the next request sends a raw `r:`. */
  readonly deltaOk: boolean
  /** True: send `d:` (merge); false: `D:` (overwrite, last writer wins; numbers, checkboxes). */
  readonly mergeChanges: boolean
  /** Whether an answer has arrived. Until then the raw dump is the text at share time (shadow). */
  readonly hasAnswer: boolean
  /**
   * The local edit over `shadow` exactly, where a merge made the local text `text`: the next
   * edit is these hunks then whatever was typed since `text` (diffed), not a diff from the
   * shadow, which could read another person's letters the merge kept as retyped ones.
   */
  readonly localEdit?: { readonly text: string; readonly hunks: readonly Hunk[] }
}

/** Diff budget on the client, in seconds (core.js used 0.5). */
export const clientDiffTimeoutSec = 0.5

/**
 * A fresh view: its first request sends the text the widget held at share time (`initialText`,
 * default empty) as `r:1:` (§3.3). What is typed before the first answer stays a local edit on
 * top of it, so the server's text is merged with it rather than replacing it.
 */
export function createClientView(
  file: string,
  opts: { mergeChanges?: boolean; initialText?: string } = {},
): ClientView {
  return {
    file,
    shadow: normalizeLocalText(opts.initialText ?? ''),
    hasAnswer: false,
    clientVersion: 0,
    serverVersion: 0,
    editStack: [],
    deltaOk: false,
    mergeChanges: opts.mergeChanges ?? true,
  }
}

/** A local text as the protocol carries it: `\n` line breaks, no unpaired surrogates. */
export function normalizeLocalText(text: string): string {
  return toWellFormed(normalizeLineBreaks(text))
}
