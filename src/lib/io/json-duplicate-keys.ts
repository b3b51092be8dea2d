/**
 * Finds a repeated key in a JSON object, which `JSON.parse` silently resolves to the last
 * value. Meant to run on text that `JSON.parse` has already accepted, so it only tracks
 * structure (objects, arrays, strings) and does not re-check the grammar.
 */

export interface DuplicateKey {
  /** The repeated key. */
  readonly key: string;
  /** Keys of the enclosing objects, joined with "." ("" at the top level). */
  readonly path: string;
}

interface Frame {
  readonly isObject: boolean;
  readonly keys: Set<string>;
  /** The object key this container is the value of (for `path`). */
  readonly name: string;
  expectKey: boolean;
}

/** The first duplicate key, in document order, or null. `text` must be valid JSON. */
export function findDuplicateKey(text: string): DuplicateKey | null {
  const stack: Frame[] = [];
  let lastKey = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (top?.isObject && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          return { key, path: stack.slice(1).map((f) => f.name).join(".") };
        }
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      stack.push({ isObject: c === "{", keys: new Set(), name: top?.isObject ? lastKey : "", expectKey: c === "{" });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === "," && top?.isObject) {
      top.expectKey = true;
    }
  }
  return null;
}
