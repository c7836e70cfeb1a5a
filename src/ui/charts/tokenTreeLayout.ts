// The K samples of a lane as a prefix tree laid out left to right: shared beginnings merged into one branch,
// each node placed at its depth and in the middle of its leaves, branch width = how many samples took it.

export interface TreeNode {
  /** The token ids from the root, joined: the same node keeps its key as the tree grows and moves it. */
  key: string;
  tokenId: number;
  text: string;
  depth: number;
  /** Samples that went through this node. */
  count: number;
  /** Mean p_final of the token over those samples. */
  meanP: number;
  children: TreeNode[];
  x: number;
  y: number;
}

export interface TreeLayout {
  root: TreeNode;
  nodes: TreeNode[];
  width: number;
  height: number;
  leaves: number;
}

export interface TreeSample {
  tokens: { tokenId: number; text: string; probability: number }[];
}

/** How deep the tree goes by default: samples longer than this add nothing to it. */
export const TREE_DEPTH = 24;
const COLUMN = 64;
const ROW = 18;

export function layoutTokenTree(samples: readonly TreeSample[], maxDepth = TREE_DEPTH): TreeLayout {
  const root: TreeNode = { key: '', tokenId: -1, text: '', depth: 0, count: samples.length, meanP: 1, children: [], x: 0, y: 0 };
  for (const sample of samples) {
    let node = root;
    for (let d = 0; d < Math.min(maxDepth, sample.tokens.length); d++) {
      const t = sample.tokens[d];
      let child = node.children.find((c) => c.tokenId === t.tokenId);
      if (!child) {
        child = { key: `${node.key}/${t.tokenId}`, tokenId: t.tokenId, text: t.text, depth: d + 1, count: 0, meanP: 0, children: [], x: 0, y: 0 };
        node.children.push(child);
      }
      child.meanP = (child.meanP * child.count + t.probability) / (child.count + 1);
      child.count++;
      node = child;
    }
  }
  const nodes: TreeNode[] = [];
  let leaf = 0;
  const place = (node: TreeNode) => {
    nodes.push(node);
    node.x = node.depth * COLUMN;
    // The most travelled branch first, so the common path reads along the top.
    node.children.sort((a, b) => b.count - a.count || a.tokenId - b.tokenId);
    if (node.children.length === 0) {
      node.y = leaf++ * ROW + ROW / 2;
      return;
    }
    for (const child of node.children) place(child);
    node.y = (node.children[0].y + node.children[node.children.length - 1].y) / 2;
  };
  place(root);
  const depth = nodes.reduce((m, n) => Math.max(m, n.depth), 0);
  return { root, nodes, width: (depth + 1) * COLUMN + 8, height: Math.max(1, leaf) * ROW, leaves: leaf };
}
