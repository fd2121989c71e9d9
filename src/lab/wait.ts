// Polling until something holds, for the lab and its tests: nodes booting,
// agents coming alive, ports going ACTIVE. The probe answers undefined for
// "not yet"; any other value ends the wait and is returned.
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WaitTimeout extends Error {}

export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new WaitTimeout(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
