// Reading `ping -D` output: the reply timestamps, the longest silence
// between two replies, and the longest one after a given moment (the outage
// when a router fails over mid-ping: an earlier gap may be longer).
export interface PingRun {
  readonly replies: number;
  /** Longest gap between consecutive replies, in milliseconds. */
  readonly maxGapMs: number;
  /** Epoch seconds of the last reply. */
  readonly lastReplyAt: number | undefined;
  /** Epoch seconds of the reply that ended the longest gap (when traffic resumed). */
  readonly resumedAt: number | undefined;
}

function replyTimes(output: string): number[] {
  return [...output.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]));
}

export function parsePing(output: string): PingRun {
  const times = replyTimes(output);
  let maxGap = 0;
  let resumedAt: number | undefined;
  for (let i = 1; i < times.length; i++) {
    if (times[i]! - times[i - 1]! > maxGap) {
      maxGap = times[i]! - times[i - 1]!;
      resumedAt = times[i];
    }
  }
  return { replies: times.length, maxGapMs: Math.round(maxGap * 1000), lastReplyAt: times.at(-1), resumedAt };
}

/**
 * The outage caused by something done at `at` (epoch seconds): the longest
 * silence that ended after it (the failure itself may come a little later
 * than the command that caused it). undefined when no reply came after `at`.
 */
export function outageAfter(output: string, at: number): { gapMs: number; resumedAt: number } | undefined {
  const times = replyTimes(output);
  let best: { gapMs: number; resumedAt: number } | undefined;
  for (let i = 0; i < times.length; i++) {
    if (times[i]! < at) continue;
    const gap = times[i]! - (i > 0 ? times[i - 1]! : at);
    if (!best || gap * 1000 > best.gapMs) best = { gapMs: Math.round(gap * 1000), resumedAt: times[i]! };
  }
  return best;
}
