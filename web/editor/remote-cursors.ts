// Other people's carets and selections in CodeMirror, from the `m:` metadata their editors send
// (`{"cursor": {"anchor": n, "head": n}}`) and the server reports back in `C:` lines.

import { StateEffect, StateField, type Extension, type Range } from '@codemirror/state'
import { Decoration, EditorView, WidgetType, type DecorationSet } from '@codemirror/view'
import { createBadge } from './chrome.ts'

/** One remote caret to draw. */
export interface RemoteCursor {
  readonly id: string
  readonly name: string
  /** Anonymous (a guest, labelled so) or a token user (labelled verified). */
  readonly isAnonymous: boolean
  readonly color: string
  readonly anchor: number
  readonly head: number
}

/** Replace the remote cursors shown. */
export const setRemoteCursors = StateEffect.define<readonly RemoteCursor[]>()

class CaretWidget extends WidgetType {
  constructor(
    readonly name: string,
    readonly isAnonymous: boolean,
    readonly color: string,
  ) {
    super()
  }

  override eq(other: CaretWidget): boolean {
    return (
      other.name === this.name &&
      other.isAnonymous === this.isAnonymous &&
      other.color === this.color
    )
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span')
    caret.className = 'cm-remote-caret'
    caret.style.borderColor = this.color
    const label = document.createElement('span')
    label.className = 'cm-remote-label'
    label.style.backgroundColor = this.color
    label.textContent = this.name
    label.append(' ', createBadge({ isAnonymous: this.isAnonymous }))
    caret.append(label)
    return caret
  }

  override ignoreEvent(): boolean {
    return true
  }
}

function decorate(cursors: readonly RemoteCursor[], docLength: number): DecorationSet {
  const ranges: Range<Decoration>[] = []
  const clamp = (n: number): number => Math.max(0, Math.min(docLength, n))
  for (const cursor of cursors) {
    const head = clamp(cursor.head)
    const from = Math.min(clamp(cursor.anchor), head)
    const to = Math.max(clamp(cursor.anchor), head)
    if (from < to) {
      const style = `background-color: color-mix(in srgb, ${cursor.color} 18%, transparent)`
      ranges.push(Decoration.mark({ attributes: { style } }).range(from, to))
    }
    const widget = new CaretWidget(cursor.name, cursor.isAnonymous, cursor.color)
    ranges.push(Decoration.widget({ widget, side: 1 }).range(head))
  }
  return Decoration.set(ranges, true)
}

const cursorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setRemoteCursors)) return decorate(effect.value, tr.newDoc.length)
    }
    // Keep carets on their text while anyone edits (the next report corrects them).
    return value.map(tr.changes)
  },
  provide: (field) => EditorView.decorations.from(field),
})

const cursorTheme = EditorView.baseTheme({
  '.cm-remote-caret': {
    position: 'relative',
    borderLeft: '2px solid',
    marginLeft: '-1px',
    marginRight: '-1px',
  },
  '.cm-remote-label': {
    position: 'absolute',
    bottom: '100%',
    left: '-2px',
    color: '#fff',
    fontSize: '11px',
    lineHeight: '1.4',
    padding: '0 4px',
    borderRadius: '3px 3px 3px 0',
    whiteSpace: 'nowrap',
    fontFamily: 'system-ui, sans-serif',
    pointerEvents: 'none',
    opacity: '0.9',
    // Names show when a caret appears or moves (CodeMirror redraws the widget), then fade so
    // they do not hide text; hovering the caret shows them again.
    animation: 'cm-remote-label-fade 0.4s ease 4s forwards',
  },
  '.cm-remote-caret:hover .cm-remote-label': { animation: 'none', opacity: '0.9' },
  '@keyframes cm-remote-label-fade': { to: { opacity: '0' } },
})

/** The extension that draws remote cursors; feed it with {@link setRemoteCursors}. */
export function remoteCursors(): Extension {
  return [cursorField, cursorTheme]
}

/** The cursor in a collaborator's `m:` metadata, or null when it has none. */
export function readCursorMeta(meta: string | null): { anchor: number; head: number } | null {
  if (meta === null) return null
  try {
    const value: unknown = JSON.parse(meta)
    if (typeof value !== 'object' || value === null || !('cursor' in value)) return null
    const cursor: unknown = value.cursor
    if (typeof cursor !== 'object' || cursor === null) return null
    const { anchor, head } = cursor as { anchor?: unknown; head?: unknown }
    if (!Number.isInteger(anchor) || !Number.isInteger(head)) return null
    return { anchor: anchor as number, head: head as number }
  } catch {
    return null
  }
}
