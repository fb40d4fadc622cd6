// A list-valued Map with removers: the shape behind authorizers and services bound to channels.

/** Appends `value` under `key`; the returned function removes that one entry again. */
export function addEntry<K, V>(map: Map<K, V[]>, key: K, value: V): () => void {
  const list = map.get(key) ?? []
  list.push(value)
  map.set(key, list)
  return () => {
    const current = map.get(key)
    const index = current?.indexOf(value) ?? -1
    if (!current || index < 0) return
    current.splice(index, 1)
    if (current.length === 0) map.delete(key)
  }
}
