import type { ts } from '../scanner/ts.js';

/**
 * A memo keyed by the nodes of one tree at a time, dropped when a node of another tree is asked about.
 *
 * Why not a module-level `WeakMap<ts.Node, V>`: the model summarises thousands of freshly parsed trees in one
 * process, and a long-lived WeakMap keyed by their young nodes makes every young-generation collection work
 * through its entries (ephemerons). On a 6k-file tree one such map in classify.ts tripled the collector's time
 * during summarising (docs/performance.md). A plain Map per tree dies with the tree; only the last tree's
 * memo outlives its pass.
 */
export class TreeMemo<V> {
  private root: ts.Node | undefined;
  private entries = new Map<ts.Node, V>();

  /** The memo of the tree `node` belongs to (its parents must be set, as the engine's walk does). */
  of(node: ts.Node): Map<ts.Node, V> {
    let root = node;
    while (root.parent) root = root.parent;
    if (root !== this.root) {
      this.root = root;
      this.entries = new Map();
    }
    return this.entries;
  }
}
