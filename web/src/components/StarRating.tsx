import { useId } from 'react';

interface Props {
  /** the current rating, 1-5, or undefined when not rated */
  value?: number;
  onChange: (stars: number) => void;
  /** when given, choosing the chosen star again clears the rating (else it re-sends it) */
  onClear?: () => void;
  /** what is rated, for the group's label: "Rate Fargo" */
  label: string;
  disabled?: boolean;
}

const STARS = [1, 2, 3, 4, 5];

/**
 * StarRating is a group of five radio buttons drawn as stars: arrow keys
 * move between them, Space or a click chooses, and each has a label. With
 * onClear, clicking the chosen star again clears the rating.
 */
export function StarRating({ value, onChange, onClear, label, disabled }: Props) {
  const name = useId();
  const current = value !== undefined ? Math.round(value) : undefined;
  return (
    <fieldset className="stars" disabled={disabled}>
      <legend className="visually-hidden">{label}</legend>
      {STARS.map((s) => (
        <label key={s} className={current !== undefined && s <= current ? 'star on' : 'star'}>
          <input
            type="radio"
            name={name}
            value={s}
            checked={current === s}
            onChange={() => onChange(s)}
            onClick={() => current === s && (onClear ? onClear() : onChange(s))}
            aria-label={`${s} ${s === 1 ? 'star' : 'stars'}`}
          />
          <span aria-hidden="true">★</span>
        </label>
      ))}
      <span className="stars-value" aria-hidden="true">
        {current !== undefined ? `${value}/5` : 'not rated'}
      </span>
    </fieldset>
  );
}
