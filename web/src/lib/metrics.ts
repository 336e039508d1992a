// Reading /api/models: the evaluation table and the training histories,
// whose JSON differs by model family (sequential models write
// {history: {epochs: [...]}}, the two-tower model an array of epochs).
import type { EvalTable } from '../api/types';

export interface Point {
  x: number;
  y: number;
}
export interface Series {
  name: string;
  points: Point[];
}
export interface TrainingCurves {
  model: string;
  series: Series[];
  bestEpoch?: number;
  epochs: number;
}

/** Protocol names as the evaluation docs describe them. */
export const PROTOCOL_NOTES: Record<string, string> = {
  sequential: 'leave-one-out by time; all items ranked, seen items filtered',
  sequential_sampled: 'leave-one-out by time; target among 100 popularity-sampled negatives (for paper comparison only)',
  tfrs: 'random 80/20 split of ratings; all items ranked, nothing filtered',
  recbole: 'random 8:1:1 per user; all items ranked, training items filtered',
};

export interface ProtocolTable {
  protocol: string;
  models: string[];
  metrics: string[];
  value: (model: string, metric: string) => number | null;
}

/** evalTables flattens the evaluation table, one entry per protocol. */
export function evalTables(t: EvalTable | null | undefined): ProtocolTable[] {
  if (!t || typeof t !== 'object') return [];
  return Object.entries(t).map(([protocol, models]) => {
    const metrics: string[] = [];
    for (const m of Object.values(models ?? {})) {
      for (const k of Object.keys(m ?? {})) if (!metrics.includes(k)) metrics.push(k);
    }
    return {
      protocol,
      models: Object.keys(models ?? {}),
      metrics,
      value: (model, metric) => {
        const v = models?.[model]?.[metric];
        return typeof v === 'number' && Number.isFinite(v) ? v : null;
      },
    };
  });
}

/** headlineMetric picks the metric a protocol's chart shows first. */
export function headlineMetric(metrics: string[]): string | undefined {
  for (const want of ['ndcg@10', 'NDCG@10', 'top10', 'top_10', 'top@10', 'hr@10', 'recall@10']) {
    const hit = metrics.find((m) => m.toLowerCase() === want.toLowerCase());
    if (hit) return hit;
  }
  return metrics.find((m) => /ndcg/i.test(m)) ?? metrics[0];
}

/** bestModel is the model with the highest value of metric, if any. */
export function bestModel(t: ProtocolTable, metric: string): string | undefined {
  let best: string | undefined;
  let bv = -Infinity;
  for (const m of t.models) {
    const v = t.value(m, metric);
    if (v !== null && v > bv) {
      bv = v;
      best = m;
    }
  }
  return best;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SKIP = new Set(['epoch', 'seconds', 'validated', 'cpu_seconds']);

function order(name: string): number {
  if (/loss/i.test(name)) return 0;
  if (/valid|val_|ndcg|hr@|recall|mrr/i.test(name)) return 1;
  return 2;
}

/** trainingCurves reads one model's history.json into plottable series. */
export function trainingCurves(model: string, raw: unknown): TrainingCurves | null {
  let epochs: unknown[] | undefined;
  let best: unknown;
  if (Array.isArray(raw)) epochs = raw;
  else if (isObj(raw)) {
    const h = raw.history;
    if (Array.isArray(h)) epochs = h;
    else if (isObj(h) && Array.isArray(h.epochs)) {
      epochs = h.epochs;
      best = h.best_epoch;
    } else if (Array.isArray(raw.epochs)) epochs = raw.epochs;
    best ??= raw.best_epoch;
  }
  if (!epochs || epochs.length === 0) return null;
  const byName = new Map<string, Point[]>();
  epochs.forEach((e, i) => {
    if (!isObj(e)) return;
    const x = typeof e.epoch === 'number' ? e.epoch : i + 1;
    for (const [k, v] of Object.entries(e)) {
      if (SKIP.has(k) || typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (e.validated === false && /^valid/.test(k)) continue;
      if (!byName.has(k)) byName.set(k, []);
      byName.get(k)!.push({ x, y: v });
    }
  });
  const series = [...byName.entries()]
    .filter(([name, pts]) => pts.length > 0 && (order(name) < 2 || pts.some((p) => p.y !== pts[0].y)))
    .map(([name, points]) => ({ name, points }))
    .sort((a, b) => order(a.name) - order(b.name));
  if (series.length === 0) return null;
  return { model, series, bestEpoch: typeof best === 'number' && best > 0 ? best : undefined, epochs: epochs.length };
}

/** niceTicks returns about n round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 4): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

/** tickLabel prints a tick with just enough decimals to tell ticks apart. */
export function tickLabel(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v) || 1;
  if (step < 1e-4) return v.toExponential(1);
  let decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return v.toFixed(decimals);
}

/** fmt prints a metric value compactly. */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && Math.abs(v) < 0.001) return v.toExponential(1);
  return v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 2 : digits);
}
