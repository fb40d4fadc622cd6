// MemoryStore: the Store contract in plain Maps, for tests and for a throwaway server. Nothing
// survives the process; it exists to prove the contract is backend-neutral (conformance.ts).

import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import type {
  AclRule,
  DocumentSummary,
  ListDocumentsOptions,
  Store,
  StoreChange,
  TokenRecord,
  ViewRef,
} from './store.ts'
import { checkChange, checkKey, checkRule } from './validate.ts'

// Client-chosen strings are keys, hence Maps; JSON of the pair cannot collide across pairs.
function refKey(user: string, file: string): string {
  return JSON.stringify([user, file])
}

function byString<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
}

function freezeView(view: ViewState): ViewState {
  const editStack = Object.freeze(view.editStack.map((e) => Object.freeze({ ...e })))
  return Object.freeze({ ...view, editStack })
}

function summarize(doc: DocumentState): DocumentSummary {
  const { file, revision, updatedMs, text } = doc
  return Object.freeze({
    file,
    revision,
    updatedMs,
    length: text?.length ?? 0,
    isNull: text === null,
  })
}

function selectDocuments(
  docs: Iterable<DocumentState>,
  opts: ListDocumentsOptions,
): DocumentState[] {
  const { prefix = '', after, limit = -1 } = opts
  const list = [...docs]
    .filter((d) => d.file.startsWith(prefix) && (after === undefined || d.file > after))
    .sort(byString((d) => d.file))
  return limit < 0 ? list : list.slice(0, limit)
}

/** Creates an empty in-memory Store. */
export function createMemoryStore(): Store {
  const documents = new Map<string, DocumentState>()
  const views = new Map<string, ViewState>()
  const tokens = new Map<string, TokenRecord>()
  const rules = new Map<string, AclRule>()
  let isOpen = true
  const open = <A extends unknown[], R>(fn: (...args: A) => R) => {
    return (...args: A): R => {
      if (!isOpen) throw new TypeError('The store is closed')
      return fn(...args)
    }
  }
  const viewsWhere = (keep: (v: ViewState) => boolean) => [...views.values()].filter(keep)
  const revokeWhere = (keep: (t: TokenRecord) => boolean, nowMs: number): number => {
    const hits = [...tokens.values()].filter((t) => t.revokedMs === null && keep(t))
    for (const t of hits) tokens.set(t.id, Object.freeze({ ...t, revokedMs: nowMs }))
    return hits.length
  }

  function commit(change: StoreChange): void {
    // Validate everything first: a change is applied whole or not at all.
    checkChange(change)
    for (const file of change.deleteDocuments ?? []) documents.delete(file)
    for (const r of change.deleteViews ?? []) views.delete(refKey(r.user, r.file))
    for (const d of change.putDocuments ?? []) documents.set(d.file, Object.freeze({ ...d }))
    for (const v of change.putViews ?? []) views.set(refKey(v.user, v.file), freezeView(v))
  }

  return {
    getDocument: open((file: string) => documents.get(file)),
    listDocuments: open((opts: ListDocumentsOptions = {}) =>
      selectDocuments(documents.values(), opts).map(summarize),
    ),
    getViews: open((refs: readonly ViewRef[]) =>
      refs.flatMap((r) => views.get(refKey(r.user, r.file)) ?? []),
    ),
    listViews: open((file: string) =>
      viewsWhere((v) => v.file === file).sort(byString((v) => v.user)),
    ),
    listViewSummaries: open((file: string) =>
      viewsWhere((v) => v.file === file)
        .sort(byString((v) => v.user))
        .map(({ user, file, handle, meta, lastSeenMs }) =>
          Object.freeze({ user, file, handle, meta, lastSeenMs }),
        ),
    ),
    listViewsOfUser: open((user: string) =>
      viewsWhere((v) => v.user === user).sort(byString((v) => v.file)),
    ),
    expireViews: open((olderThanMs: number): ViewRef[] => {
      const old = viewsWhere((v) => v.lastSeenMs < olderThanMs)
      for (const v of old) views.delete(refKey(v.user, v.file))
      return old.map(({ user, file }) => ({ user, file }))
    }),
    listViewOwners: open(() =>
      [...views.values()].map(({ user, file, owner }) => ({ user, file, owner })),
    ),
    commit: open(commit),
    // Nothing is written anywhere, so a change is as durable as it gets once applied.
    commitGrouped: (change: StoreChange) => {
      try {
        open(commit)(change)
        return Promise.resolve()
      } catch (err) {
        return Promise.reject(err)
      }
    },
    deleteDocument: open((file: string) => {
      checkKey('document name', file)
      const hadViews = viewsWhere((v) => v.file === file)
      for (const v of hadViews) views.delete(refKey(v.user, v.file))
      return documents.delete(file) || hadViews.length > 0
    }),
    addToken: open((token: Omit<TokenRecord, 'revokedMs'>) => {
      const clash = tokens.has(token.id) || [...tokens.values()].some((t) => t.hash === token.hash)
      if (clash) throw new TypeError(`Token id ${token.id} or its hash exists`)
      tokens.set(token.id, Object.freeze({ ...token, revokedMs: null }))
    }),
    findTokenByHash: open((hash: string) => [...tokens.values()].find((t) => t.hash === hash)),
    revokeTokens: open((name: string, nowMs: number) => revokeWhere((t) => t.name === name, nowMs)),
    revokeToken: open((id: string, nowMs: number) => revokeWhere((t) => t.id === id, nowMs) > 0),
    listTokens: open(() => [...tokens.values()].sort((a, b) => a.createdMs - b.createdMs)),
    putRule: open((rule: AclRule) => {
      checkRule(rule)
      const key = refKey(rule.pattern, rule.principal)
      rules.delete(key)
      rules.set(key, Object.freeze({ ...rule }))
    }),
    deleteRule: open((pattern: string, principal: string) =>
      rules.delete(refKey(pattern, principal)),
    ),
    listRules: open(() =>
      [...rules.values()].sort(
        (a, b) =>
          a.createdMs - b.createdMs ||
          byString((r: AclRule) => r.pattern + '\0' + r.principal)(a, b),
      ),
    ),
    stats: open(() => ({ documents: documents.size, views: views.size })),
    close: () => {
      isOpen = false
    },
  }
}
