// Mutations of a parsed JSON document for the import fuzz tests: every path in it, and a copy with the value at
// one path replaced or removed (an array element is spliced out, so the array stays dense).

export type JsonPath = (string | number)[];

/** Every path in `value`, the root ([]) included, parents before children. */
export function pathsOf(value: unknown, path: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  return out;
}

/** A copy of `root` with the value at `path` removed or set to `change.value` (the root itself: undefined or the value). */
export function mutate(root: unknown, path: JsonPath, change: { remove: boolean; value: unknown }): unknown {
  if (path.length === 0) return change.remove ? undefined : change.value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (change.remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = change.value;
  return copy;
}
