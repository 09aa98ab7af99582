/**
 * The server's only disk access: the text of a file URI, and the domain specs and key policies
 * under a workspace folder (startServer's FileAccess). The bench indexes a workspace with these.
 */
import { SKIPPED_FOLDERS } from '../core/policy/recognize';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A file's text, if it is a readable file URI of at most 2 MB. */
export function readFile(uri: string): string | undefined {
  try {
    if (!uri.startsWith('file:')) return undefined;
    const path = fileURLToPath(uri);
    if (statSync(path).size > 2 * 1024 * 1024) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const WANTED = /\.(kms-domain\.(json|ya?ml)|key-policy\.json|kms-policy\.json)$/i;

/** Domain specs and key policies under a folder (at most 5000 entries visited, no symlinks followed). */
export function findFiles(folderUri: string): string[] {
  const out: string[] = [];
  let budget = 5000;
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (--budget < 0) return;
      if (e.isDirectory() && !SKIPPED_FOLDERS.has(e.name)) visit(join(dir, e.name));
      else if (e.isFile() && WANTED.test(e.name)) out.push(pathToFileURL(join(dir, e.name)).href);
    }
  };
  try {
    if (folderUri.startsWith('file:')) visit(fileURLToPath(folderUri));
  } catch {
    /* not a local folder */
  }
  return out;
}
