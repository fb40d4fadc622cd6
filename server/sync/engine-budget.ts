// What one request may cost before the engine does any work for it (issue 14: one small
// request could open hundreds of views on a large document, stall the event loop for seconds
// and write an answer of hundreds of megabytes). A request over budget is refused whole and
// changes nothing. Pure.

import { ErrorCode } from '../../shared/errors.ts'
import type { ParsedRequest } from '../../shared/mobwrite/codec.ts'
import type { ViewState } from '../../shared/sync/types.ts'
import { touchedViews, viewKey, type FileError, type SyncInput } from './engine.ts'

/** Why the request in `input` is over its budget, or null when it is within it. */
export function requestBudgetProblem(
  input: SyncInput,
): { readonly code: ErrorCode; readonly message: string } | null {
  const { maxViewsPerRequest, maxTextCharsPerRequest } = input.options
  const touched = touchedViews(input.request)
  if (touched.length > maxViewsPerRequest) {
    return tooLarge(`A request may name at most ${maxViewsPerRequest} views (user, file pairs)`)
  }
  // Opening or resetting a view makes the server send the document's whole text.
  const resets = new Set<string>()
  for (const a of input.request.actions) {
    if (a.kind === 'raw') resets.add(viewKey(a.user, a.file))
  }
  let chars = 0
  for (const { user, file } of touched) {
    const key = viewKey(user, file)
    if (!resets.has(key) && input.views.has(key)) continue
    chars += input.documents.get(file)?.text?.length ?? 0
    if (chars > maxTextCharsPerRequest) {
      return tooLarge(
        `A request may open or reset views worth at most ${maxTextCharsPerRequest} characters of text`,
      )
    }
  }
  return null
}

/**
 * `request` without the actions of the views it would open past `left` (its identity's views
 * beyond sync.maxViewsPerIdentity, `max`): the first `left` new views it edits open, the others
 * are refused with one error per file and nothing of them runs. Views in `views` keep working.
 */
export function withinViewQuota(
  request: ParsedRequest,
  views: ReadonlyMap<string, ViewState>,
  left: number,
  max: number,
): { readonly request: ParsedRequest; readonly errors: FileError[] } {
  const opened = new Set<string>()
  const refused = new Set<string>()
  for (const a of request.actions) {
    if (a.kind !== 'delta' && a.kind !== 'raw') continue
    const key = viewKey(a.user, a.file)
    if (views.has(key) || opened.has(key) || refused.has(key)) continue
    ;(opened.size < left ? opened : refused).add(key)
  }
  if (refused.size === 0) return { request, errors: [] }
  const actions = request.actions.filter((a) => !refused.has(viewKey(a.user, a.file)))
  const code = ErrorCode.ERR_REQUEST_TOO_LARGE
  const message = `${code}: One token, or one address without a token, may hold at most ${max} views at once (sync.maxViewsPerIdentity); nothing was changed for this file. Close views (x:) or let idle ones expire`
  const files = new Set(
    request.actions.filter((a) => refused.has(viewKey(a.user, a.file))).map((a) => a.file),
  )
  return {
    request: { ...request, actions },
    errors: [...files].map((file) => ({ file, code, message })),
  }
}

function tooLarge(what: string): { code: ErrorCode; message: string } {
  return {
    code: ErrorCode.ERR_REQUEST_TOO_LARGE,
    message: `ERR_REQUEST_TOO_LARGE: ${what}; nothing was changed. Send fewer at a time`,
  }
}
