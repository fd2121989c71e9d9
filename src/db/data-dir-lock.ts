// PGlite has no lock of its own: two processes on one data directory corrupt
// it, and a stale postmaster.pid left by a killed process makes the next open
// hang. So the server holds a pid lock file beside the directory, and clears
// postmaster.pid only when that lock's previous owner is dead.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class DataDirLocked extends Error {
  constructor(path: string, pid: number) {
    super(`database directory ${path} is in use by process ${pid}`);
  }
}

/** A killed process that its parent has not reaped yet (a zombie) counts as dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export interface DataDirLock {
  release(): void;
}

/** Takes `<dataDir>.lock`; clears a stale postmaster.pid when the last owner died. */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockPath = `${dataDir}.lock`;
  mkdirSync(dirname(dataDir), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) throw new DataDirLocked(dataDir, owner);
      unlinkSync(lockPath);
    }
  }
  // We own the directory now; any postmaster.pid is a dead process's leftover.
  const postmasterPid = join(dataDir, 'postmaster.pid');
  if (existsSync(postmasterPid)) rmSync(postmasterPid);
  return {
    release() {
      try {
        if (Number.parseInt(readFileSync(lockPath, 'utf8'), 10) === process.pid) unlinkSync(lockPath);
      } catch {
        // already gone
      }
    },
  };
}
