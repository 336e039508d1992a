// Inline icons (no icon font, no network): decorative, hidden from screen readers.
const common = { width: 18, height: 18, viewBox: '0 0 24 24', 'aria-hidden': true as const, focusable: 'false' as const };

export const ThumbUp = () => (
  <svg {...common}>
    <path fill="currentColor" d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.5-1.1L13.1 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z" />
  </svg>
);
export const ThumbDown = () => (
  <svg {...common}>
    <path fill="currentColor" d="M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.5 1.1l1.1 1 6.5-6.6A2 2 0 0 0 18 15V5a2 2 0 0 0-2-2H7a2 2 0 0 0-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z" />
  </svg>
);
export const ChevronLeft = () => (
  <svg {...common}>
    <path fill="currentColor" d="M15.4 7.4 14 6l-6 6 6 6 1.4-1.4L10.8 12z" />
  </svg>
);
export const ChevronRight = () => (
  <svg {...common}>
    <path fill="currentColor" d="M8.6 16.6 10 18l6-6-6-6-1.4 1.4 4.6 4.6z" />
  </svg>
);
export const SearchIcon = () => (
  <svg {...common}>
    <circle cx="10" cy="10" r="6" fill="none" stroke="currentColor" strokeWidth="2.4" />
    <path d="m14.5 14.5 6 6" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" />
  </svg>
);
