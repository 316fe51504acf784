import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * One process per embedded data directory. PGlite takes no lock of its own:
 * two processes opening the same files each keep their own copy in memory and
 * the last to write wins, silently dropping the other's acknowledged events.
 *
 * The lock is a file, `<dataDir>/pglite.lock`, holding the owner's pid, host,
 * start time and the kernel's start tick of that pid (so that a recycled pid
 * is not mistaken for the owner). It is published with link(2), which fails
 * when the name exists: a complete file appears at once or not at all, and of
 * two processes racing for a free directory exactly one wins.
 *
 * A lock is stale only when it names this host and its pid is gone (or now
 * belongs to a process started at another tick). A lock from another host is
 * never taken over (its owner cannot be checked from here). Taking a stale
 * lock over happens under a second exclusive file, `pglite.lock.takeover`, so
 * that two processes finding the same stale lock cannot both remove it — the
 * slower one would otherwise remove the faster one's fresh lock. A takeover
 * file left by a process that died in those few milliseconds is never removed
 * automatically: the next process refuses and names it.
 */

export const LOCK_FILE = 'pglite.lock';
const TAKEOVER_FILE = 'pglite.lock.takeover';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Start tick of the pid in /proc/<pid>/stat (Linux); null where not readable. */
  processStart: string | null;
  command: string;
  token: string;
}

/** The data directory belongs to another live process (or cannot be judged free): the caller must stop, exit 2. */
export class DataDirectoryLockedError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | null,
    detail?: string,
  ) {
    super(lockedMessage(dataDir, owner, detail));
    this.name = 'DataDirectoryLockedError';
  }
}

export interface DataDirectoryLock {
  dataDir: string;
  owner: LockOwner;
  release(): void;
}

interface Held {
  lock: DataDirectoryLock;
  count: number;
}

/** Locks this process holds, by directory: the CLI and main.ts claim early, openDatabase claims again. */
const held = new Map<string, Held>();
let exitHookInstalled = false;

/**
 * On the embedded default (no server URL), the data directory's lock, taken
 * before anything heavy loads: the API, the demo and every CLI command that
 * opens the database claim it first, so a second process is refused with the
 * owner named, having written nothing (openDatabase takes it again, re-entrantly).
 */
export function claimEmbeddedDataDirectory(config: { databaseUrl?: string; dataDir: string }): DataDirectoryLock | undefined {
  return config.databaseUrl ? undefined : lockDataDirectory(config.dataDir);
}

/**
 * Takes the exclusive lock of an embedded data directory, or throws
 * DataDirectoryLockedError without writing anything when another live
 * process holds it. Re-entrant within one process (counted).
 */
export function lockDataDirectory(dataDir: string): DataDirectoryLock {
  const dir = resolve(dataDir);
  const mine = held.get(dir);
  if (mine) {
    mine.count++;
    return countedHandle(dir, mine);
  }
  const path = join(dir, LOCK_FILE);
  // Refuse before writing anything when a live owner is visible: the refused process leaves no trace.
  const existing = readOwner(path);
  if (existing.present) judge(dir, existing.owner, existing.ageMs);
  mkdirSync(dir, { recursive: true });
  const owner = describeSelf();
  for (let attempt = 0; attempt < 5; attempt++) {
    if (publish(dir, LOCK_FILE, owner)) return remember(dir, path, owner);
    const current = readOwner(path);
    if (!current.present) continue; // released in between: try again
    judge(dir, current.owner, current.ageMs); // throws when live
    takeOver(dir, path, current.owner, owner);
    return remember(dir, path, owner);
  }
  throw new DataDirectoryLockedError(dir, null, 'the lock file kept changing while this process tried to take it');
}

/** Whether a lock file names a live owner: throws when it does (or when this cannot be told), returns when stale. */
function judge(dir: string, owner: LockOwner | null, ageMs: number): void {
  if (!owner) {
    // Every lock this code writes is complete before it is published; an unreadable one is
    // a damaged file, taken over only once it is clearly not being written.
    if (ageMs < 10_000) throw new DataDirectoryLockedError(dir, null, 'its lock file is unreadable and recent');
    return;
  }
  if (!isAlive(owner)) return;
  throw new DataDirectoryLockedError(dir, owner);
}

/** Live unless it is on this host and its pid is gone, or the pid now belongs to a later process. */
export function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid && owner.processStart === processStartOf(process.pid)) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: a process of another user has this pid; fall through to the start tick.
  }
  const start = processStartOf(owner.pid);
  if (owner.processStart && start && start !== owner.processStart) return false; // pid reused
  return true;
}

function takeOver(dir: string, path: string, stale: LockOwner | null, owner: LockOwner): void {
  const guard = join(dir, TAKEOVER_FILE);
  let guarded = false;
  for (let i = 0; i < 50 && !guarded; i++) {
    guarded = publish(dir, TAKEOVER_FILE, owner);
    if (!guarded) sleep(20);
  }
  if (!guarded) {
    throw new DataDirectoryLockedError(dir, readOwner(guard).owner, `another process is taking over a stale lock; if none is, remove ${guard} by hand`);
  }
  try {
    // Under the guard nobody else removes the lock file; it can only have changed if a
    // new owner published after the stale one was removed, which makes it live.
    const again = readOwner(path);
    if (again.present && !sameOwner(again.owner, stale)) {
      judge(dir, again.owner, again.ageMs);
    }
    if (again.present) unlinkSync(path);
    if (!publish(dir, LOCK_FILE, owner)) {
      throw new DataDirectoryLockedError(dir, readOwner(path).owner);
    }
  } finally {
    unlinkSync(guard);
  }
}

function sameOwner(a: LockOwner | null, b: LockOwner | null): boolean {
  return a === null ? b === null : b !== null && a.token === b.token;
}

/** Writes the content to a private temporary name, flushes it, then links it to its public name (fails if taken). */
function publish(dir: string, name: string, owner: LockOwner): boolean {
  const tmp = join(dir, `.${name}.${owner.pid}.${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, join(dir, name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

function readOwner(path: string): { present: boolean; owner: LockOwner | null; ageMs: number } {
  let text: string;
  let ageMs = 0;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { present: false, owner: null, ageMs: 0 };
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.token === 'string') return { present: true, owner, ageMs };
  } catch {
    // unreadable: judged by age
  }
  return { present: true, owner: null, ageMs };
}

function remember(dir: string, path: string, owner: LockOwner): DataDirectoryLock {
  const entry: Held = { count: 1, lock: undefined as unknown as DataDirectoryLock };
  entry.lock = {
    dataDir: dir,
    owner,
    release() {
      held.delete(dir);
      // Only our own file is removed: nobody replaces a live lock, so the check cannot go stale.
      const current = readOwner(path);
      if (current.owner?.token === owner.token) unlinkSync(path);
    },
  };
  held.set(dir, entry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit() without close (a fatal error, the shutdown timeout): leave no lock behind when we can.
    process.on('exit', () => {
      for (const h of [...held.values()]) {
        try {
          h.lock.release();
        } catch {
          // exiting anyway; the next process finds the pid gone
        }
      }
    });
  }
  return countedHandle(dir, entry);
}

function countedHandle(dir: string, entry: Held): DataDirectoryLock {
  let released = false;
  return {
    dataDir: dir,
    owner: entry.lock.owner,
    release() {
      if (released) return;
      released = true;
      if (--entry.count === 0 && held.get(dir) === entry) entry.lock.release();
    },
  };
}

function describeSelf(): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString(),
    processStart: processStartOf(process.pid),
    command: describeCommand(process.argv.slice(1)),
    token: randomBytes(12).toString('hex'),
  };
}

/** "api", "projector" or "cli referential seed", from the built entry the process runs. */
function describeCommand(argv: string[]): string {
  const entry = argv[0] ?? '';
  const app = /apps[\\/](api|projector|cli)[\\/]/.exec(entry)?.[1];
  if (app === 'cli') return `cli ${argv.slice(1).filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}`.trim();
  return app ?? argv.join(' ').slice(0, 200);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); the command name may hold spaces and parentheses. */
function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function lockedMessage(dataDir: string, owner: LockOwner | null, detail?: string): string {
  const who = owner ? `process ${owner.pid} (${owner.command || 'unknown command'}) on ${owner.host}, started ${owner.startedAt}` : 'another process';
  const why = detail ? ` (${detail})` : '';
  return (
    `the embedded data directory ${dataDir} is in use by ${who}${why}. ` +
    'One process at a time may open it: stop that process first, or do this through its HTTP API while it runs, ' +
    `or set DATABASE_URL to use a PostgreSQL server. Lock file: ${join(dataDir, LOCK_FILE)}`
  );
}
