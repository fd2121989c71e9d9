// Processes by PID, checked against /proc: a PID is only ours while its
// command line still carries the marker we started it with (PIDs are
// reused), and a zombie counts as gone. Nothing here finds processes by
// program name; the /proc scan looks for a marker only this project writes
// (a lab's own directory), to find what a crashed run left behind.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc/<pid>/cmdline (NUL-separated, NUL-terminated) as its arguments. */
export function parseCmdline(raw: string): string[] {
  const args = raw.split('\0');
  if (args.at(-1) === '') args.pop();
  return args;
}

/**
 * The fields of /proc/<pid>/stat after the command name: [state, ppid,
 * pgrp, session, ...]. The name in parentheses may itself hold spaces and
 * ')', so the fields start after the last ')'. Empty for a garbled line.
 */
export function procStatFields(stat: string): string[] {
  const close = stat.lastIndexOf(')');
  if (close < 0 || stat[close + 1] !== ' ') return [];
  return stat.slice(close + 2).trim().split(' ');
}

/** The state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...). */
export function parseProcState(stat: string): string | undefined {
  return procStatFields(stat)[0]?.[0];
}

/** The command line with arguments joined by spaces, or undefined when the process is gone. */
export function readCmdline(pid: number): string | undefined {
  try {
    return parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).join(' ');
  } catch {
    return undefined;
  }
}

/** Gone counts as a zombie: either way it will never run again. */
function isZombie(pid: number): boolean {
  try {
    const state = parseProcState(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return state === undefined || state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/** Alive, not a zombie, and (when given) its command line contains `marker`. */
export function isRunning(pid: number | undefined, marker?: string): pid is number {
  if (!pid || pid <= 1) return false;
  const cmdline = readCmdline(pid);
  if (cmdline === undefined || isZombie(pid)) return false;
  return marker === undefined || cmdline.includes(marker);
}

/** The direct children of a process (global PIDs). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every process whose command line contains `marker` (not this process). */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (readCmdline(pid)?.includes(marker) && !isZombie(pid)) pids.push(pid);
  }
  return pids;
}

/** This process and the ones that started it: a cleanup must never count them as leftovers. */
export function ancestorPids(): Set<number> {
  const pids = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !pids.has(pid)) {
    pids.add(pid);
    try {
      pid = Number(procStatFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[1]);
    } catch {
      break;
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the process is gone (or a zombie); false on timeout. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Sends `signal` to the process if it is still the one (marker), waits for it
 * to go, and SIGKILLs it after `timeoutMs`. True if it was running.
 */
export async function terminate(pid: number | undefined, marker: string, options: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<boolean> {
  if (!isRunning(pid, marker)) return false;
  try {
    process.kill(pid, options.signal ?? 'SIGTERM');
  } catch {
    return false;
  }
  if (!(await waitGone(pid, options.timeoutMs ?? 5_000)) && isRunning(pid, marker)) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 2_000);
  }
  return true;
}
