/**
 * Runs `task(index)` for index 0..count-1 with at most `concurrency` tasks in
 * flight, and returns the elapsed wall time in milliseconds. The first error
 * stops new tasks from starting and is thrown once the running ones settle.
 */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      const index = next;
      next += 1;
      try {
        await task(index);
      } catch (error) {
        failure ??= error;
      }
    }
  };

  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, () => lane()),
  );
  const elapsed = performance.now() - start;
  if (failure !== undefined) {
    throw failure instanceof Error
      ? failure
      : new Error('Task failed', { cause: failure });
  }

  return elapsed;
}
