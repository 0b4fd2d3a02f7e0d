/**
 * Waits for `check` to give a truthy value (returned), asking again every `everyMs`; fails naming
 * `what` after `withinMs`. For tests waiting on another process, server or run: never a fixed sleep.
 */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  { everyMs = 25, withinMs = 60_000 }: { everyMs?: number; withinMs?: number } = {},
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, null | undefined | false | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
