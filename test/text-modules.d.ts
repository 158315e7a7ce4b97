// Tests import data/common-passwords.txt: the vitest pool reads wrangler.toml, whose default
// module rules make `**/*.txt` a Text module (the default export is the file's contents).
declare module "*.txt" {
  const text: string;
  export default text;
}

// Vite's ?raw suffix: the file's text, for checks that read the deployment's own config.
declare module "*?raw" {
  const text: string;
  export default text;
}

// Vite's import.meta.glob (transformed at build time), for checks that read the test files' text.
interface ImportMeta {
  glob(pattern: string, options: { query: "?raw"; import: "default"; eager: true }): Record<string, string>;
}
