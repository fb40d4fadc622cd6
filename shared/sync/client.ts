// The client half of differential synchronization (mobwrite-notes §3, core.js `syncText` and
// `syncRun2_`), used by the browser client, the embed widget and tests. Pure and isomorphic:
// views are immutable values, texts come in and go out; the caller owns timers and transport.
//
//   local text ──diff vs shadow──▶ edit stack ──request──▶ server
//   local text ◀──three-way merge── server edits (d:) ◀──answer──┘
//
// Server edits are merged into the CURRENT local text with the shadow as common ancestor, so
// typing during a request is kept. Unacknowledged edits are resent until the server's `F:`
// acknowledges them, so a lost request or answer loses nothing.

import { writeLine, type Line } from '../mobwrite/codec.ts'
import { toDelta } from '../mobwrite/delta.ts'
import { encodeText } from '../mobwrite/escape.ts'
import { clientDiffTimeoutSec, normalizeLocalText, type ClientView } from './client-view.ts'
import { compose, hunksOf, opsOf } from './changes.ts'
import { normalizeHunks } from './diff.ts'
import { editHunks } from './merge.ts'

export {
  applyAnswer,
  type FileResult,
  type ClientCollaborator,
  type ClientError,
} from './client-answer.ts'
export {
  clientDiffTimeoutSec,
  createClientView,
  normalizeLocalText,
  type ClientView,
} from './client-view.ts'

/** Adds this view's edit (or raw dump) and returns the next view (core.js `syncText`). */
function stackEdit(view: ClientView, text: string): ClientView {
  if (!view.deltaOk) {
    // Raw dumps are not stacked: an unanswered one is simply redone with the newer text. Before
    // the first answer it is the share-time text: a lowercase r: never overwrites the server's
    // text, so keystrokes typed meanwhile would be lost if they rode in it (two people typing
    // into a new document at once); they stay local edits and go out as a delta next.
    const shadow = view.hasAnswer ? text : view.shadow
    return {
      ...view,
      shadow,
      clientVersion: view.clientVersion + 1,
      editStack: [],
      localEdit: undefined,
    }
  }
  // The merge's refined diff: a replaced stretch is sent as its character edits where most of it
  // was kept, so no kept character travels as deleted and typed again (merge.ts).
  const known = view.localEdit
  const hunks = known
    ? hunksOf(
        view.shadow,
        compose(
          opsOf(view.shadow, known.hunks),
          opsOf(known.text, editHunks(known.text, text, clientDiffTimeoutSec)),
        ),
      )
    : editHunks(view.shadow, text, clientDiffTimeoutSec)
  // A no-op delta only when nothing else is waiting: the server answers only files with edits.
  if (hunks.length === 0 && view.editStack.length > 0) return view
  const letter = view.mergeChanges ? 'd' : 'D'
  const line = `${letter}:${view.clientVersion}:${toDelta(view.shadow, normalizeHunks(view.shadow, hunks))}`
  return {
    ...view,
    shadow: text,
    clientVersion: view.clientVersion + 1,
    editStack: [...view.editStack, { version: view.clientVersion, line }],
    localEdit: undefined,
  }
}

function viewLines(view: ClientView, meta: string | undefined): string[] {
  const lines: string[] = []
  if (meta !== undefined && !/[\r\n]/.test(meta))
    lines.push(writeLine({ type: 'meta', json: meta }))
  lines.push(`F:${view.serverVersion}:${view.file}`)
  if (!view.deltaOk) lines.push(`r:${view.clientVersion}:${encodeText(view.shadow)}`)
  else lines.push(...view.editStack.map((e) => e.line))
  return lines
}

/**
 * Builds one request for `user` over `views`, given the current local `texts` (a missing text
 * means unchanged). Returns the request text (ending in its blank line) and the next views,
 * which hold the new edits: keep them even if the request or its answer gets lost.
 * `extra.meta` adds `m:` metadata per file; `extra.close` adds `x:` lines (a file or `'all'`).
 * @throws RangeError when a user id or file name holds a line break.
 */
export function buildRequest(
  user: string,
  views: readonly ClientView[],
  texts: ReadonlyMap<string, string>,
  extra: { meta?: ReadonlyMap<string, string>; close?: readonly string[] } = {},
): { request: string; views: ClientView[] } {
  for (const name of [user, ...views.map((v) => v.file), ...(extra.close ?? [])]) {
    if (/[\r\n]/.test(name))
      throw new RangeError(`Line break in user id or file ${JSON.stringify(name)}`)
  }
  const lines: string[] = [writeLine({ type: 'user', echo: false, user } satisfies Line)]
  const next = views.map((view) => {
    const text = texts.get(view.file)
    const updated = stackEdit(view, text === undefined ? view.shadow : normalizeLocalText(text))
    lines.push(...viewLines(updated, extra.meta?.get(view.file)))
    return updated
  })
  for (const file of extra.close ?? []) lines.push(`x:${file}`)
  return { request: lines.map((l) => l + '\n').join('') + '\n', views: next }
}
