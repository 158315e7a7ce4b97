// Wrangler's default module rules (and the vitest pool, which reads wrangler.toml)
// import `**/*.txt` as a Text module: the default export is the file's contents.
declare module "*.txt" {
  const text: string;
  export default text;
}
