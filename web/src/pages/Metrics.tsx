import { useId, useState } from 'react';
import { api } from '../api/client';
import { bestModel, evalTables, fmt, headlineMetric, PROTOCOL_NOTES, trainingCurves, type ProtocolTable, type TrainingCurves } from '../lib/metrics';
import { useAsync } from '../lib/useAsync';
import { BarChart, LineChart } from '../components/Charts';
import { ErrorBox, Loading } from '../components/Status';

function ProtocolSection({ t, serving }: { t: ProtocolTable; serving?: string }) {
  const [metric, setMetric] = useState(() => headlineMetric(t.metrics) ?? '');
  const id = useId();
  const best = bestModel(t, metric);
  return (
    <section className="protocol" aria-labelledby={id} data-testid={`protocol-${t.protocol}`}>
      <h3 id={id}>
        Protocol <code>{t.protocol}</code>
      </h3>
      {PROTOCOL_NOTES[t.protocol] ? <p className="subtitle">{PROTOCOL_NOTES[t.protocol]}</p> : null}
      <label className="inline">
        Chart metric{' '}
        <select value={metric} onChange={(e) => setMetric(e.target.value)}>
          {t.metrics.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <BarChart
        title={`${metric} by model, protocol ${t.protocol}`}
        bars={t.models.map((m) => ({ label: m, value: t.value(m, metric), highlight: m === best }))}
      />
      <div className="table-wrap" tabIndex={0} role="region" aria-label={`Table of ${t.protocol} metrics`}>
        <table>
          <caption className="visually-hidden">Test metrics under the {t.protocol} protocol; the best value of each metric is in bold</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              {t.metrics.map((m) => (
                <th scope="col" key={m}>
                  {m}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {t.models.map((model) => (
              <tr key={model}>
                <th scope="row">
                  {model}
                  {serving && model === serving ? <span className="badge">serving</span> : null}
                </th>
                {t.metrics.map((m) => {
                  const v = t.value(model, m);
                  return (
                    <td key={m} className={v !== null && bestModel(t, m) === model ? 'best' : undefined}>
                      {fmt(v)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Curves({ c }: { c: TrainingCurves }) {
  return (
    <section className="curves" aria-label={`Training curves of ${c.model}`} data-testid={`curves-${c.model}`}>
      <h3>{c.model}</h3>
      <p className="subtitle">
        {c.epochs} epochs{c.bestEpoch ? `; best validation epoch ${c.bestEpoch}` : ''}
      </p>
      <div className="chart-grid">
        {c.series.map((s) => (
          <figure key={s.name}>
            <LineChart title={`${c.model}: ${s.name}`} series={[s]} marker={c.bestEpoch ? { x: c.bestEpoch, label: 'best' } : undefined} />
            <figcaption>{s.name}</figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}

export function MetricsPage() {
  const models = useAsync((s) => api.models(s), []);
  if (models.status === 'error') {
    return (
      <div className="page">
        <h1>Model metrics</h1>
        <ErrorBox what="the model metrics" error={models.error} retry={models.retry} />
      </div>
    );
  }
  if (!models.data) {
    return (
      <div className="page">
        <h1>Model metrics</h1>
        <Loading what="model metrics" />
      </div>
    );
  }
  const d = models.data;
  const tables = evalTables(d.metrics);
  const curves = Object.entries(d.histories ?? {})
    .map(([name, raw]) => trainingCurves(name, raw))
    .filter((c): c is TrainingCurves => c !== null)
    .sort((a, b) => a.model.localeCompare(b.model));
  const serving = d.serving ?? {};
  return (
    <div className="page">
      <h1>Model metrics</h1>
      <dl className="stats serving">
        <div>
          <dt>Recommendations</dt>
          <dd>{serving.recommendations ?? '—'}</dd>
        </div>
        <div>
          <dt>Similar movies</dt>
          <dd>{serving.similar ?? '—'}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{serving.version ?? '—'}</dd>
        </div>
        <div>
          <dt>Trained</dt>
          <dd>{serving.trained ? new Date(serving.trained).toLocaleString() : '—'}</dd>
        </div>
      </dl>

      <section aria-labelledby="eval-h">
        <h2 id="eval-h">Evaluation</h2>
        <p>
          Test figures from <code>genie eval</code>. Numbers from different protocols are not comparable: sampled metrics run several times higher than full-ranking ones.
        </p>
        {tables.length === 0 ? (
          <p className="empty" role="note">
            No evaluation table is being served yet. Run <code>genie repro evaluate</code> (or <code>genie eval</code>) and the server picks up <code>metrics/eval.json</code>.
          </p>
        ) : (
          tables.map((t) => <ProtocolSection key={t.protocol} t={t} serving={serving.recommendations} />)
        )}
      </section>

      <section aria-labelledby="train-h">
        <h2 id="train-h">Training curves</h2>
        {curves.length === 0 ? (
          <p className="empty" role="note">
            No training histories are being served: none of the models under <code>models/</code> has written a <code>history.json</code> yet.
          </p>
        ) : (
          curves.map((c) => <Curves key={c.model} c={c} />)
        )}
      </section>
    </div>
  );
}
