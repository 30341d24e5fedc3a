const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `what` holds, checking every 5 ms; fails after 20 s. */
export async function until(what: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!what()) {
    if (Date.now() > end) throw new Error('waited 20 s in vain');
    await sleep(5);
  }
}
