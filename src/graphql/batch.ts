/**
 * Rows looked up by a plain id column (no Prisma relation to select through), batched per
 * request: every resolver asking in the same tick shares one query, so a page of N items costs
 * one query, not N. GraphQL calls the resolvers of a list's items in one synchronous pass.
 */
const loaders = new WeakMap<object, Map<string, Batch<unknown>>>();

interface Batch<V> {
  keys: Set<string>;
  result: Promise<Map<string, V>> | null;
}

export function loadBatched<V>(
  context: object,
  name: string,
  key: string,
  load: (keys: string[]) => Promise<Map<string, V>>,
): Promise<V | undefined> {
  let byName = loaders.get(context);
  if (!byName) loaders.set(context, (byName = new Map()));
  let batch = byName.get(name) as Batch<V> | undefined;
  if (!batch || batch.result) {
    const fresh: Batch<V> = { keys: new Set(), result: null };
    batch = fresh;
    byName.set(name, fresh as Batch<unknown>);
  }
  const current = batch;
  current.keys.add(key);
  const settled = new Promise<Map<string, V>>((resolve, reject) => {
    process.nextTick(() => {
      current.result ??= load([...current.keys]);
      current.result.then(resolve, reject);
    });
  });
  return settled.then((rows) => rows.get(key));
}
