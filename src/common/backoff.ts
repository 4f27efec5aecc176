/**
 * Exponential backoff with "equal jitter": the delay of attempt n (1-based) is uniformly
 * drawn from [d/2, d] where d = min(cap, initial * 2^(n-1)). Never above the cap.
 */
export function backoffDelay(attempt: number, initialMs: number, capMs: number, random: () => number = Math.random): number {
  const d = Math.min(capMs, initialMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  return Math.round(d / 2 + random() * (d / 2));
}
