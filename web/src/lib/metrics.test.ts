import { describe, expect, it } from 'vitest';
import { bestModel, evalTables, fmt, headlineMetric, niceTicks, tickLabel, trainingCurves } from './metrics';

describe('evalTables', () => {
  const t = evalTables({
    recbole: { pop: { 'ndcg@10': 0.1, 'recall@10': 0.2 }, ease: { 'ndcg@10': 0.29, 'recall@10': null, 'mrr@10': 0.4 } },
    tfrs: { pop: { top10: 0.02 } },
  });
  it('lists protocols, models and the union of metrics', () => {
    expect(t.map((p) => p.protocol)).toEqual(['recbole', 'tfrs']);
    expect(t[0].models).toEqual(['pop', 'ease']);
    expect(t[0].metrics).toEqual(['ndcg@10', 'recall@10', 'mrr@10']);
    expect(t[0].value('ease', 'recall@10')).toBeNull();
    expect(t[0].value('pop', 'mrr@10')).toBeNull();
  });
  it('finds the best model and the headline metric', () => {
    expect(bestModel(t[0], 'ndcg@10')).toBe('ease');
    expect(bestModel(t[0], 'recall@10')).toBe('pop');
    expect(headlineMetric(t[0].metrics)).toBe('ndcg@10');
    expect(headlineMetric(['top1', 'top10'])).toBe('top10');
  });
  it('copes with no table', () => {
    expect(evalTables(null)).toEqual([]);
  });
});

describe('trainingCurves', () => {
  it('reads the sequential models history.json', () => {
    const c = trainingCurves('sasrec', {
      model: 'sasrec',
      history: {
        best_epoch: 2,
        epochs: [
          { epoch: 1, train_loss: 7.1, validated: false, 'valid_ndcg@10': 0, 'valid_hr@10': 0, lr: 0.001, seconds: 7 },
          { epoch: 2, train_loss: 6.8, validated: true, 'valid_ndcg@10': 0.046, 'valid_hr@10': 0.09, lr: 0.001, seconds: 9 },
        ],
      },
    });
    expect(c?.bestEpoch).toBe(2);
    // a constant learning rate says nothing and is not plotted
    expect(c?.series.map((s) => s.name)).toEqual(['train_loss', 'valid_ndcg@10', 'valid_hr@10']);
    // unvalidated epochs do not plot a zero
    expect(c?.series[1].points).toEqual([{ x: 2, y: 0.046 }]);
  });
  it('reads the two-tower array of epochs', () => {
    const c = trainingCurves('twotower', [
      { epoch: 1, loss: 5, 'val_recall@50': 0.1, temperature: 0.05, seconds: 3 },
      { epoch: 2, loss: 4, 'val_recall@50': 0.2, temperature: 0.05, seconds: 3 },
    ]);
    expect(c?.series.map((s) => s.name)).toEqual(['loss', 'val_recall@50']);
    expect(c?.epochs).toBe(2);
  });
  it('returns null for shapes it cannot read', () => {
    expect(trainingCurves('x', { nothing: true })).toBeNull();
    expect(trainingCurves('x', [])).toBeNull();
    expect(trainingCurves('x', 'junk')).toBeNull();
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 0.29, 4)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(1, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    const t = niceTicks(6.6, 7.2, 4);
    expect(t[0]).toBeLessThanOrEqual(6.6);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(7.2);
  });
  it('widens a flat range', () => {
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
  });
});

describe('fmt', () => {
  it('prints values compactly', () => {
    expect(fmt(0.28651)).toBe('0.2865');
    expect(fmt(null)).toBe('—');
    expect(fmt(123.4)).toBe('123');
    expect(fmt(0.00001)).toBe('1.0e-5');
  });
});

describe('tickLabel', () => {
  it('uses as many decimals as the step needs', () => {
    expect([0, 0.1, 0.2].map((t, _, a) => tickLabel(t, a))).toEqual(['0.0', '0.1', '0.2']);
    expect([0, 0.025, 0.05].map((t, _, a) => tickLabel(t, a))).toEqual(['0.000', '0.025', '0.050']);
    expect([0, 2, 4].map((t, _, a) => tickLabel(t, a))).toEqual(['0', '2', '4']);
    expect([6, 6.5, 7].map((t, _, a) => tickLabel(t, a))).toEqual(['6.0', '6.5', '7.0']);
    expect(tickLabel(0.00095, [0.0009, 0.00095])).toBe('9.5e-4');
  });
});
