/** Finding and reading the files the CLI checks: the directory walk, and reads that refuse binary and oversized files. */
import { CANDIDATE_NAME, SKIPPED_FOLDERS } from '../core/fileKinds';
import { lstatSync, openSync, readdirSync, readSync, closeSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type ReadResult = { ok: true; text: string } | { ok: false; code: 'unreadable' | 'binary' | 'too-large' | 'not-utf8'; message: string };


/** Files under `paths`: named files as given, directories walked (symlinks followed once, loops cut). */
export function* walk(paths: readonly string[], onError: (path: string, message: string) => void): Generator<{ path: string; named: boolean }> {
  const seen = new Set<string>();
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      onError(p, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    if (st.isDirectory()) yield* walkDir(p, seen, onError);
    else yield { path: p, named: true };
  }
}

function* walkDir(dir: string, seen: Set<string>, onError: (path: string, message: string) => void): Generator<{ path: string; named: boolean }> {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (e) {
    onError(dir, `cannot resolve: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return;
  }
  if (seen.has(real)) return; // a symlink loop, or a directory reached twice
  seen.add(real);
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    onError(dir, `cannot list directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return;
  }
  for (const name of entries) {
    const p = join(dir, name);
    let st;
    try {
      st = lstatSync(p);
      if (st.isSymbolicLink()) st = statSync(p);
    } catch (e) {
      onError(p, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    if (st.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(name)) yield* walkDir(p, seen, onError);
    } else if (st.isFile() && CANDIDATE_NAME.test(name)) {
      yield { path: p, named: false };
    }
  }
}

/** Reads a file as UTF-8 text, refusing binary and oversized files without reading them whole. */
export function readText(path: string, maxBytes: number): ReadResult {
  let fd: number | undefined;
  try {
    const st = statSync(path);
    // A FIFO, socket or device would block the read (or never end): only regular files are read.
    if (!st.isFile()) return { ok: false, code: 'unreadable', message: 'not a regular file; not checked' };
    const size = st.size;
    if (size > maxBytes) return { ok: false, code: 'too-large', message: `${size} bytes, over the ${maxBytes}-byte limit; not checked (AWS key policies are at most 32 KB)` };
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    const bytes = buffer.subarray(0, read);
    if (bytes.includes(0)) return { ok: false, code: 'binary', message: 'binary file (contains NUL bytes); not checked' };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, code: 'not-utf8', message: 'not valid UTF-8 text; not checked' };
    }
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    return { ok: false, code: 'unreadable', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Would the walk visit this file (a `/`-separated path): a candidate name, in no skipped folder? For files listed at a git revision. */
export function walkVisits(path: string): boolean {
  const parts = path.split('/');
  return CANDIDATE_NAME.test(parts[parts.length - 1]) && !parts.slice(0, -1).some((p) => SKIPPED_FOLDERS.has(p));
}
