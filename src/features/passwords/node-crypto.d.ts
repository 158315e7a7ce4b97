// Minimal ambient types for the part of workerd's node:crypto that scrypt.ts uses. The project
// has no @types/node (it would clash with @cloudflare/workers-types' globals), so only this.
declare module "node:crypto" {
  interface ScryptOptions {
    N?: number;
    r?: number;
    p?: number;
    maxmem?: number;
  }
  type BinaryLike = string | ArrayBufferView;
  export function scrypt(password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions, callback: (err: Error | null, derivedKey?: Uint8Array) => void): void;
}
