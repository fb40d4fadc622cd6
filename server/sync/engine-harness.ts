// Test harness for the engine: an in-memory server that keeps views and documents in Maps and
// runs MobWrite conversations written with ` / ` between lines. Pure; used by
// engine tests and the convergence suite only.

import { parseRequest } from '../../shared/mobwrite/codec.ts'
import {
  applyAnswer,
  buildRequest,
  type ClientView,
  type FileResult,
} from '../../shared/sync/client.ts'
import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import {
  defaultEngineOptions,
  syncStep,
  type Collaborator,
  type EngineOptions,
  type SentCollaborators,
  type SyncResult,
} from './engine.ts'

/** Per-file access and presence for a harness request. */
export interface HarnessFacts {
  handle?: string
  access?: (file: string) => 'write' | 'read' | 'none'
  collaborators?: (file: string) => readonly Collaborator[]
}

/** A tiny in-memory MobWrite server around {@link syncStep}. */
export class EngineHarness {
  readonly views = new Map<string, ViewState>()
  readonly documents = new Map<string, DocumentState>()
  nowMs = 1_000
  options: EngineOptions
  /** Set it to a Map to send `C:` lines only on change, as the sync service does. */
  sentCollaborators: Map<string, SentCollaborators> | undefined

  constructor(options: Partial<EngineOptions> = {}) {
    this.options = { ...defaultEngineOptions, ...options }
  }

  /** Runs a request text as is and stores the result. */
  run(text: string, facts: HarnessFacts = {}): SyncResult {
    const result = syncStep({
      request: parseRequest(text),
      views: this.views,
      documents: this.documents,
      facts: {
        handle: facts.handle ?? 'alice:127.0.0.1',
        access: facts.access ?? (() => 'write'),
        collaborators: facts.collaborators ?? (() => []),
      },
      nowMs: this.nowMs++,
      options: this.options,
      ...(this.sentCollaborators ? { sentCollaborators: this.sentCollaborators } : {}),
    })
    for (const [k, v] of result.sentCollaborators) this.sentCollaborators?.set(k, v)
    for (const [k, v] of result.views) v ? this.views.set(k, v) : this.views.delete(k)
    for (const [k, v] of result.documents) v ? this.documents.set(k, v) : this.documents.delete(k)
    return result
  }

  /** Runs `a / b / c` (terminated) and returns the answer in the same notation. */
  say(lines: string, facts: HarnessFacts = {}): string {
    const text = lines.split(' / ').join('\n') + '\n\n'
    return show(this.run(text, facts).answer)
  }

  /** The master text of `file` (null when nullified or missing). */
  text(file: string): string | null {
    return this.documents.get(file)?.text ?? null
  }
}

/** An answer in conversation notation: lines joined by ` / `. */
export function show(answer: string): string {
  return answer.replace(/\n$/, '').split('\n').join(' / ')
}

/** One client half on one file, as an editor holds it: its view and its local text. */
export interface HalfClient {
  readonly user: string
  view: ClientView
  text: string
}

/** `c`'s next request for `file`; its view keeps the edits it stacks (lost or not). */
export function requestFrom(c: HalfClient, file: string): string {
  const built = buildRequest(c.user, [c.view], new Map([[file, c.text]]))
  c.view = built.views[0] as ClientView
  return built.request
}

/** Applies `answer` to `c`'s view and local text; returns what it said of `file`. */
export function applyTo(c: HalfClient, file: string, answer: string): FileResult | undefined {
  const out = applyAnswer(answer, [c.view], new Map([[file, c.text]]))
  c.view = out.views[0] as ClientView
  const result = out.results.get(file)
  c.text = result?.text ?? c.text
  return result
}
