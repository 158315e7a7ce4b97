/** The pages' two state icons (decorative: the heading says the same in words). */
export const ErrorIcon = () => (
  <svg class="icon" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
    <circle cx="24" cy="24" r="22" fill="#fdf2f1" stroke="#b3261e" stroke-width="3" />
    <path d="M24 13v14" stroke="#b3261e" stroke-width="4" stroke-linecap="round" />
    <circle cx="24" cy="34" r="2.5" fill="#b3261e" />
  </svg>
);

export const OkIcon = () => (
  <svg class="icon" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
    <circle cx="24" cy="24" r="22" fill="#ecfdf3" stroke="#166534" stroke-width="3" />
    <path d="M14 25l7 7 13-15" fill="none" stroke="#166534" stroke-width="4" stroke-linecap="round" stroke-linejoin="round" />
  </svg>
);
