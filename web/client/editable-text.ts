// Plain-text view of a contenteditable element: read its text and caret as character offsets,
// write text back as one text node with the caret restored. Markup is not preserved.

const blockTags = new Set(['DIV', 'P', 'LI', 'PRE', 'BLOCKQUOTE', 'H1', 'H2', 'H3', 'H4'])

function serialize(node: Node, out: string[]): void {
  node.childNodes.forEach((child, index) => {
    if (child.nodeType === Node.TEXT_NODE) {
      out.push((child as Text).data)
    } else if (child.nodeName === 'BR') {
      out.push('\n')
    } else {
      // Browsers wrap each new line typed into a contenteditable in a block element.
      if (blockTags.has(child.nodeName) && index > 0) out.push('\n')
      serialize(child, out)
    }
  })
}

/** The element's text, with `<br>` and block boundaries read as `\n`. */
export function readEditableText(el: Node): string {
  const out: string[] = []
  serialize(el, out)
  return out.join('')
}

function offsetOf(el: HTMLElement, node: Node, offset: number): number {
  const range = document.createRange()
  range.setStart(el, 0)
  range.setEnd(node, offset)
  return readEditableText(range.cloneContents()).length
}

/** The selection inside `el` as character offsets, or null when it lies elsewhere. */
export function readEditableSelection(el: HTMLElement): { anchor: number; head: number } | null {
  const selection = el.ownerDocument.getSelection()
  if (!selection || !selection.anchorNode || !selection.focusNode) return null
  if (!el.contains(selection.anchorNode) || !el.contains(selection.focusNode)) return null
  return {
    anchor: offsetOf(el, selection.anchorNode, selection.anchorOffset),
    head: offsetOf(el, selection.focusNode, selection.focusOffset),
  }
}

/** Replace the content of `el` with `text`; restore `selection` (character offsets) if given. */
export function writeEditableText(
  el: HTMLElement,
  text: string,
  selection: { anchor: number; head: number } | null,
): void {
  const node = el.ownerDocument.createTextNode(text)
  el.replaceChildren(node)
  if (!selection) return
  const clamp = (n: number): number => Math.max(0, Math.min(text.length, n))
  el.ownerDocument
    .getSelection()
    ?.setBaseAndExtent(node, clamp(selection.anchor), node, clamp(selection.head))
}
