// What one request may cost before the engine does any work for it (issue 14: one small
// request could open hundreds of views on a large document, stall the event loop for seconds
// and write an answer of hundreds of megabytes). A request over budget is refused whole and
// changes nothing. Pure.

import { ErrorCode } from '../../shared/errors.ts'
import { touchedViews, viewKey, type SyncInput } from './engine.ts'

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

function tooLarge(what: string): { code: ErrorCode; message: string } {
  return {
    code: ErrorCode.ERR_REQUEST_TOO_LARGE,
    message: `ERR_REQUEST_TOO_LARGE: ${what}; nothing was changed. Send fewer at a time`,
  }
}
