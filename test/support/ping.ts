// Reading `ping -D` output: the reply timestamps, and the longest silence
// between two replies (the outage when a router fails over mid-ping).
export interface PingRun {
  readonly replies: number;
  /** Longest gap between consecutive replies, in milliseconds. */
  readonly maxGapMs: number;
  /** Epoch seconds of the last reply. */
  readonly lastReplyAt: number | undefined;
  /** Epoch seconds of the reply that ended the longest gap (when traffic resumed). */
  readonly resumedAt: number | undefined;
}

export function parsePing(output: string): PingRun {
  const times = [...output.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]));
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
