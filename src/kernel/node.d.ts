// The one Node built-in the worker uses, served natively by workerd (nodejs_compat, on by
// default from compatibility date 2026-08-04). Declared here rather than pulling in @types/node.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
