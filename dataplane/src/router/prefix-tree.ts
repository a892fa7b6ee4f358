// A radix tree over string prefixes: walking a key visits every stored prefix of it in one pass,
// in time proportional to the key's length, whatever the number of stored prefixes.

interface Node<T> {
  /** Characters on the edge from the parent to this node. */
  label: string;
  value: T | undefined;
  /**
   * Children by the char code of their label's first character, minus `base`: a plain array
   * (V8 keeps a small dense one in a single block), cheaper to walk than a Map when the tree is
   * large and cold. Offset by the lowest code, it holds one slot per code between the lowest and
   * the highest child (usually a handful), not one per code below the highest ('/' alone would
   * take 48).
   */
  children: Array<Node<T> | undefined> | undefined;
  base: number;
}

const node = <T>(label: string, value?: T): Node<T> => ({ label, value, children: undefined, base: 0 });

function childAt<T>(n: Node<T>, code: number): Node<T> | undefined {
  const i = code - n.base;
  return n.children !== undefined && i >= 0 ? n.children[i] : undefined;
}

function setChild<T>(n: Node<T>, code: number, child: Node<T>): void {
  if (n.children === undefined) {
    n.children = [child];
    n.base = code;
    return;
  }
  if (code < n.base) {
    const shifted = new Array<Node<T> | undefined>(n.base - code).fill(undefined);
    n.children = shifted.concat(n.children);
    n.base = code;
  }
  n.children[code - n.base] = child;
}

export class PrefixTree<T> {
  private readonly root: Node<T> = node('');

  /** The value stored at exactly `key`, creating it with `create` when absent. */
  upsert(key: string, create: () => T): T {
    let n = this.root;
    let pos = 0;
    for (;;) {
      if (pos === key.length) return (n.value ??= create());
      const first = key.charCodeAt(pos);
      const child = childAt(n, first);
      if (child === undefined) {
        const leaf = node(key.slice(pos), create());
        setChild(n, first, leaf);
        return leaf.value!;
      }
      const common = commonPrefixLength(child.label, key, pos);
      if (common < child.label.length) {
        // Split the edge: child keeps the tail of its label under a new intermediate node.
        const mid = node<T>(child.label.slice(0, common));
        child.label = child.label.slice(common);
        setChild(mid, child.label.charCodeAt(0), child);
        setChild(n, first, mid);
        n = mid;
      } else {
        n = child;
      }
      pos += common;
    }
  }

  /** Calls `visit` with the value of every stored prefix of `key`, shortest first. */
  prefixesOf(key: string, visit: (value: T) => void): void {
    let n = this.root;
    let pos = 0;
    for (;;) {
      if (n.value !== undefined) visit(n.value);
      if (pos === key.length) return;
      const child = childAt(n, key.charCodeAt(pos));
      if (child === undefined || !key.startsWith(child.label, pos)) return;
      pos += child.label.length;
      n = child;
    }
  }
}

function commonPrefixLength(label: string, key: string, pos: number): number {
  let i = 0;
  while (i < label.length && pos + i < key.length && label.charCodeAt(i) === key.charCodeAt(pos + i)) i++;
  return i;
}
