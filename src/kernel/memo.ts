/**
 * A value built once per key object and kept as long as the key lives. The keys are what
 * an isolate keeps for its whole life (the env, the parsed config, a D1 binding), so this
 * is "once per isolate" without a module-level singleton that a changed env would not
 * reset. Extra arguments must be the same for a given key (they come from its config).
 * A build that throws caches nothing: the next call tries again.
 */
export function memo<K extends object, A extends unknown[], V>(build: (key: K, ...args: A) => V): (key: K, ...args: A) => V {
  const cache = new WeakMap<K, V>();
  return (key, ...args) => {
    if (cache.has(key)) return cache.get(key)!;
    const value = build(key, ...args);
    cache.set(key, value);
    return value;
  };
}
