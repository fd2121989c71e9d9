// What the benchmark prints and saves: a header naming the machine (figures
// mean little without it), one markdown table per backend, and the JSON file
// that later runs or tools can compare against.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { OpResult } from './phase.js';

export function machineLine(now: Date): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `Machine: ${cores.length} cores, ${model}, ${gib} GiB RAM, Node ${process.version}; ${now.toISOString()}`;
}

export function markdownTable(rows: readonly OpResult[]): string {
  const lines = ['| operation | mode | n | p50 ms | p99 ms | req/s |', '|---|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.op} | ${r.mode} | ${r.n} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.rps.toFixed(1)} |`);
  }
  return lines.join('\n');
}

export interface JsonRow {
  readonly backend: string;
  readonly op: string;
  readonly mode: string;
  readonly n: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly rps: number;
}

export function jsonRows(backend: string, rows: readonly OpResult[]): JsonRow[] {
  const round = (v: number, digits: number) => Number(v.toFixed(digits));
  return rows.map((r) => ({ backend, op: r.op, mode: r.mode, n: r.n, p50_ms: round(r.p50, 3), p99_ms: round(r.p99, 3), rps: round(r.rps, 1) }));
}

/** Written beside the target and renamed, so a crash never leaves half a file. */
export function writeJson(path: string, rows: readonly JsonRow[]): void {
  writeJsonFile(path, rows);
}

export function writeJsonFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
