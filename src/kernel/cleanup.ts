import { logInfo } from "./log";

export const DAY_MS = 86_400_000;

/**
 * The daily cron's shape of work: `step` deletes at most `batchSize` rows of each kind it
 * handles and says how many went; it runs until a step deletes less than a batch of every
 * kind, at most `maxBatches` times, so one run stays inside a Worker's CPU and subrequest
 * limits (a backlog shrinks over a few runs). One log line sums it up.
 */
export async function deleteInBatches<K extends string>(
  event: string,
  limits: { batchSize: number; maxBatches: number },
  step: () => Promise<Record<K, number>>,
): Promise<Record<K, number> & { batches: number }> {
  const total: Record<string, number> = { batches: 0 };
  for (let i = 0; i < limits.maxBatches; i++) {
    const n = await step();
    for (const [k, v] of Object.entries<number>(n)) total[k] = (total[k] ?? 0) + v;
    total.batches!++;
    if (Object.values<number>(n).every((v) => v < limits.batchSize)) break;
  }
  logInfo(event, total);
  return total as Record<K, number> & { batches: number };
}
