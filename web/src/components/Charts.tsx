// Charts drawn with plain SVG. Each has a text alternative (aria-label and
// <title>), and the data is also in a table or list next to it.
import { fmt, niceTicks, tickLabel, type Series } from '../lib/metrics';

const PALETTE = ['#e4b343', '#4ea8de', '#e0542e', '#7bd389', '#c77dff', '#f28482', '#5ec2b7', '#b8b8b8'];
export const colour = (i: number) => PALETTE[i % PALETTE.length];

interface BarProps {
  title: string;
  bars: { label: string; value: number | null; highlight?: boolean }[];
}

/** BarChart: one horizontal bar per model. */
export function BarChart({ title, bars }: BarProps) {
  const shown = bars.filter((b) => b.value !== null) as { label: string; value: number; highlight?: boolean }[];
  const max = Math.max(0, ...shown.map((b) => b.value));
  const ticks = niceTicks(0, max || 1, 4);
  const top = ticks[ticks.length - 1] || 1;
  const rowH = 26;
  const left = 150;
  const width = 560;
  const plotW = width - left - 60;
  const height = bars.length * rowH + 34;
  const desc = shown.map((b) => `${b.label} ${fmt(b.value)}`).join(', ');
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${desc || 'no values'}`}>
      <title>{title}</title>
      {ticks.map((t) => {
        const x = left + (t / top) * plotW;
        return (
          <g key={t}>
            <line x1={x} x2={x} y1={4} y2={height - 26} className="grid" />
            <text x={x} y={height - 10} textAnchor="middle" className="tick">
              {tickLabel(t, ticks)}
            </text>
          </g>
        );
      })}
      {bars.map((b, i) => {
        const y = 8 + i * rowH;
        const w = b.value !== null ? (b.value / top) * plotW : 0;
        return (
          <g key={b.label}>
            <text x={left - 8} y={y + 14} textAnchor="end" className={b.highlight ? 'label strong' : 'label'}>
              {b.label.length > 20 ? b.label.slice(0, 19) + '…' : b.label}
            </text>
            <rect x={left} y={y} width={Math.max(w, 0)} height={rowH - 8} rx={3} fill={b.highlight ? '#e4b343' : '#4ea8de'} />
            <text x={left + w + 6} y={y + 14} className="value">
              {fmt(b.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

interface LineProps {
  title: string;
  series: Series[];
  xLabel?: string;
  /** a vertical marker, e.g. the best epoch */
  marker?: { x: number; label: string };
}

/** LineChart: one or more series against a shared x axis. */
export function LineChart({ title, series, xLabel = 'epoch', marker }: LineProps) {
  const pts = series.flatMap((s) => s.points);
  const width = 360;
  const height = 200;
  const m = { l: 52, r: 12, t: 12, b: 34 };
  if (pts.length === 0) return null;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const xt = niceTicks(Math.min(...xs), Math.max(...xs), 5);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys), 4);
  const [x0, x1] = [xt[0], xt[xt.length - 1]];
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (width - m.l - m.r);
  const sy = (y: number) => height - m.b - ((y - y0) / (y1 - y0 || 1)) * (height - m.t - m.b);
  const desc = series
    .map((s) => {
      const f = s.points[0];
      const l = s.points[s.points.length - 1];
      return `${s.name} from ${fmt(f.y)} at ${xLabel} ${f.x} to ${fmt(l.y)} at ${xLabel} ${l.x}`;
    })
    .join('; ');
  return (
    <svg className="chart line" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${desc}`}>
      <title>{title}</title>
      {yt.map((t) => (
        <g key={`y${t}`}>
          <line x1={m.l} x2={width - m.r} y1={sy(t)} y2={sy(t)} className="grid" />
          <text x={m.l - 6} y={sy(t) + 4} textAnchor="end" className="tick">
            {tickLabel(t, yt)}
          </text>
        </g>
      ))}
      {xt.map((t) => (
        <text key={`x${t}`} x={sx(t)} y={height - m.b + 16} textAnchor="middle" className="tick">
          {t}
        </text>
      ))}
      <text x={(m.l + width - m.r) / 2} y={height - 4} textAnchor="middle" className="axis-label">
        {xLabel}
      </text>
      {marker ? (
        <g>
          <line x1={sx(marker.x)} x2={sx(marker.x)} y1={m.t} y2={height - m.b} className="marker" />
          <text x={sx(marker.x) + (sx(marker.x) > width / 2 ? -4 : 4)} y={m.t + 10} textAnchor={sx(marker.x) > width / 2 ? 'end' : 'start'} className="tick">
            {marker.label}
          </text>
        </g>
      ) : null}
      {series.map((s, i) => (
        <g key={s.name}>
          <polyline fill="none" stroke={colour(i)} strokeWidth={2} points={s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')} />
          {s.points.length <= 40
            ? s.points.map((p) => <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={2.5} fill={colour(i)} />)
            : null}
        </g>
      ))}
    </svg>
  );
}
