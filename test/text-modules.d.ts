// Tests import data/common-passwords.txt: the vitest pool reads wrangler.toml, whose default
// module rules make `**/*.txt` a Text module (the default export is the file's contents).
declare module "*.txt" {
  const text: string;
  export default text;
}
