// A radix tree over string prefixes: walking a key visits every stored prefix of it in one pass,
// in time proportional to the key's length, whatever the number of stored prefixes.

interface Node<T> {
  /** Characters on the edge from the parent to this node. */
  label: string;
  value: T | undefined;
  /**
   * Children by the char code of their label's first character: a plain array (V8 keeps a small
   * dense one in a single block), cheaper to walk than a Map when the tree is large and cold.
   */
  children: Array<Node<T> | undefined> | undefined;
}

const node = <T>(label: string, value?: T): Node<T> => ({ label, value, children: undefined });

export class PrefixTree<T> {
  private readonly root: Node<T> = node('');

  /** The value stored at exactly `key`, creating it with `create` when absent. */
  upsert(key: string, create: () => T): T {
    let n = this.root;
    let pos = 0;
    for (;;) {
      if (pos === key.length) return (n.value ??= create());
      const first = key.charCodeAt(pos);
      const child = n.children?.[first];
      if (child === undefined) {
        const leaf = node(key.slice(pos), create());
        (n.children ??= [])[first] = leaf;
        return leaf.value!;
      }
      const common = commonPrefixLength(child.label, key, pos);
      if (common < child.label.length) {
        // Split the edge: child keeps the tail of its label under a new intermediate node.
        const mid = node<T>(child.label.slice(0, common));
        child.label = child.label.slice(common);
        mid.children = [];
        mid.children[child.label.charCodeAt(0)] = child;
        n.children![first] = mid;
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
      if (pos === key.length || n.children === undefined) return;
      const child = n.children[key.charCodeAt(pos)];
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
