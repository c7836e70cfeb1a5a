// Where every box and line of the beam tree goes: one column per step (the prompt first), in each column the
// kept beams in their order, then the hypotheses finished at that step, then the ranked candidates dropped; a
// last column for beams that finished by reaching max new tokens. Pure, so it is tested without a browser.
import type { BeamHypothesisView, BeamStepView } from '../../engine/protocol';

export const BEAM_NODE = { width: 150, height: 40, column: 180, row: 46, pad: 6 } as const;

export type BeamNodeKind = 'root' | 'kept' | 'finished' | 'dropped' | 'length';

export interface BeamTreeNode {
  key: string;
  kind: BeamNodeKind;
  step: number;
  /** kept: its index among the step's beams; finished/dropped: its rank; length: the hypothesis's place. */
  index: number;
  /** The parent beam among the beams that entered the step (-1 for the root). */
  source: number;
  tokenId: number;
  logp: number;
  sum: number;
  /** Normalised score of a finished hypothesis. */
  score?: number;
  detail?: string;
  /** Among the best B when it finished (finished only). */
  accepted?: boolean;
  winner: boolean;
  x: number;
  y: number;
}

export interface BeamTreeEdge {
  key: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  kind: BeamNodeKind;
  winner: boolean;
}

export interface BeamTreeLayout {
  nodes: BeamTreeNode[];
  edges: BeamTreeEdge[];
  width: number;
  height: number;
}

export function layoutBeamTree(steps: readonly BeamStepView[], hypotheses: readonly BeamHypothesisView[]): BeamTreeLayout {
  const { width: w, height: h, column, row, pad } = BEAM_NODE;
  const best = hypotheses[0];
  const winnerAt = (s: number, k: number) => best !== undefined && best.path[s] === k;
  const nodes: BeamTreeNode[] = [];
  const edges: BeamTreeEdge[] = [];
  let rows = 1;
  nodes.push({ key: 'root', kind: 'root', step: -1, index: 0, source: -1, tokenId: -1, logp: 0, sum: 0, winner: best !== undefined, x: pad, y: pad });
  /** Right-middle of the beam `k` kept at step s (the root for s = -1). */
  const anchor = (s: number, k: number) => ({ x: pad + (s + 1) * column + w, y: pad + (s < 0 ? 0 : k) * row + h / 2 });
  const link = (node: BeamTreeNode, parentStep: number, parentIndex: number) => {
    const from = anchor(parentStep, parentIndex);
    edges.push({ key: `e-${node.key}`, x1: from.x, y1: from.y, x2: node.x, y2: node.y + h / 2, kind: node.kind, winner: node.winner });
  };
  for (const step of steps) {
    const x = pad + (step.step + 1) * column;
    let r = 0;
    step.kept.forEach((c, k) => {
      const node: BeamTreeNode = { key: `k-${step.step}-${k}`, kind: 'kept', step: step.step, index: k, source: c.source, tokenId: c.tokenId, logp: c.logp, sum: c.sum, winner: winnerAt(step.step, k), x, y: pad + r++ * row };
      nodes.push(node);
      link(node, step.step - 1, c.source);
    });
    for (const c of step.finished) {
      const won = best !== undefined && best.end !== 'max_new_tokens' && best.step === step.step && best.beam === c.source && best.ids[best.ids.length - 1] === c.tokenId;
      const node: BeamTreeNode = {
        key: `f-${step.step}-${c.rank}`, kind: 'finished', step: step.step, index: c.rank, source: c.source, tokenId: c.tokenId, logp: c.logp, sum: c.sum,
        score: c.score, detail: c.end, accepted: c.accepted, winner: won, x, y: pad + r++ * row,
      };
      nodes.push(node);
      link(node, step.step - 1, c.source);
    }
    for (const c of step.dropped) {
      const node: BeamTreeNode = { key: `d-${step.step}-${c.rank}`, kind: 'dropped', step: step.step, index: c.rank, source: c.source, tokenId: c.tokenId, logp: c.logp, sum: c.sum, detail: c.why, winner: false, x, y: pad + r++ * row };
      nodes.push(node);
      link(node, step.step - 1, c.source);
    }
    rows = Math.max(rows, r);
  }
  const byLength = hypotheses.map((hyp, place) => ({ hyp, place })).filter(({ hyp }) => hyp.end === 'max_new_tokens');
  let columns = steps.length + 1;
  if (byLength.length > 0) {
    const x = pad + columns * column;
    byLength.forEach(({ hyp, place }, r) => {
      const last = hyp.step;
      const kept = steps[last]?.kept[hyp.beam];
      const node: BeamTreeNode = {
        key: `l-${place}`, kind: 'length', step: last, index: place, source: kept?.source ?? -1, tokenId: kept?.tokenId ?? -1, logp: kept?.logp ?? 0,
        sum: hyp.sum, score: hyp.score, detail: 'max_new_tokens', winner: place === 0, x, y: pad + r * row,
      };
      nodes.push(node);
      const from = anchor(last, hyp.beam);
      edges.push({ key: `e-${node.key}`, x1: from.x, y1: from.y, x2: x, y2: node.y + h / 2, kind: 'length', winner: place === 0 });
    });
    rows = Math.max(rows, byLength.length);
    columns++;
  }
  return { nodes, edges, width: pad * 2 + (columns - 1) * column + w, height: pad * 2 + (rows - 1) * row + h };
}
