import { isValidElement, useId, useRef, type ReactNode } from 'react';
import { ChevronLeft, ChevronRight } from './Icons';

interface Props {
  title: ReactNode;
  /** plain-text name for the scroll buttons' labels */
  name: string;
  subtitle?: ReactNode;
  children: ReactNode[];
  /** shown when there are no items */
  empty?: ReactNode;
  busy?: boolean;
  testId?: string;
}

/** Carousel: a titled, horizontally scrolling row of cards. */
export function Carousel({ title, name, subtitle, children, empty, busy, testId }: Props) {
  const id = useId();
  const row = useRef<HTMLUListElement>(null);
  const scroll = (dir: number) => {
    const el = row.current;
    if (el) el.scrollBy({ left: dir * el.clientWidth * 0.8, behavior: 'smooth' });
  };
  return (
    <section className="carousel" aria-labelledby={id} aria-busy={busy || undefined} data-testid={testId}>
      <div className="carousel-head">
        <div>
          <h2 id={id}>{title}</h2>
          {subtitle ? <p className="subtitle">{subtitle}</p> : null}
        </div>
        {children.length > 0 ? (
          <div className="carousel-nav">
            <button type="button" aria-label={`Scroll ${name} left`} onClick={() => scroll(-1)}>
              <ChevronLeft />
            </button>
            <button type="button" aria-label={`Scroll ${name} right`} onClick={() => scroll(1)}>
              <ChevronRight />
            </button>
          </div>
        ) : null}
      </div>
      {children.length > 0 ? (
        <ul className="carousel-row" ref={row}>
          {children.map((c, i) => (
            <li key={isValidElement(c) && c.key !== null ? c.key : i}>{c}</li>
          ))}
        </ul>
      ) : (
        empty
      )}
    </section>
  );
}
