// Types of progress.mjs for the TypeScript tests.
export declare function createProgress(options: {
  total: number;
  label: string;
  stream?: { write(s: string): unknown; isTTY?: boolean };
  now?: () => number;
}): { update(n: number): void; finish(): void };
