/**
 * Disk access (the node layer): the text of a file URI, the domain specs and key policies under a
 * workspace folder and the Terraform files of a module folder (the Workspace's folder view), and
 * the CLI's writes. The bench indexes a workspace with these.
 */
import { INDEXED_NAME, SKIPPED_FOLDERS, SPEC_NAME, TERRAFORM_NAME } from '../core/fileKinds';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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
      else if (e.isFile() && INDEXED_NAME.test(e.name)) out.push(pathToFileURL(join(dir, e.name)).href);
    }
  };
  try {
    if (folderUri.startsWith('file:')) visit(fileURLToPath(folderUri));
  } catch {
    /* not a local folder */
  }
  return out;
}

/** The Terraform files directly in a folder (one module), as URIs. */
export function listTerraform(folderUri: string): string[] {
  try {
    if (!folderUri.startsWith('file:')) return [];
    const dir = fileURLToPath(folderUri);
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && TERRAFORM_NAME.test(e.name))
      .map((e) => pathToFileURL(join(dir, e.name)).href);
  } catch {
    return [];
  }
}

/**
 * Domain specs near a file (for `explain`): in its folder and each folder above it, up to `top`
 * when the file is under `top`, else in its own folder only. Paths, nearest folder first.
 */
export function specsNear(file: string, top: string): string[] {
  const out: string[] = [];
  let dir = dirname(resolve(file));
  const stop = resolve(top);
  const under = (d: string) => !relative(stop, d).startsWith('..');
  for (;;) {
    try {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) if (e.isFile() && SPEC_NAME.test(e.name)) out.push(join(dir, e.name));
    } catch {
      /* an unreadable folder has no specs for us */
    }
    const up = dirname(dir);
    if (up === dir || dir === stop || !under(dir) || !under(up)) break;
    dir = up;
  }
  return out;
}

/** Whether a path is a folder. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a path exists. */
export function exists(path: string): boolean {
  return existsSync(path);
}

/** A file's text (UTF-8), undefined when it does not exist. */
export function readTextFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Writes a file (the CLI's --write). */
export function writeTextFile(path: string, text: string): void {
  writeFileSync(path, text);
}

/** Where a report goes: a file, or stdout. */
export function outputSink(path: string | undefined): { write(text: string): void; close(): void } {
  if (path === undefined) return { write: (text) => void process.stdout.write(text), close: () => {} };
  const fd = openSync(path, 'w');
  return { write: (text) => void writeSync(fd, text), close: () => closeSync(fd) };
}

const sectionsCache = new Map<string, Map<string, string>>();
/** The `## id` section of a page in docs/ (found next to the bundle or the checkout), each page read once. */
export function docsSection(page: string, id: string): string | undefined {
  let sections = sectionsCache.get(page);
  if (!sections) {
    sections = new Map();
    sectionsCache.set(page, sections);
    let dir = __dirname;
    for (let i = 0; i < 6 && !existsSync(join(dir, 'docs', page)); i++) dir = dirname(dir);
    const file = join(dir, 'docs', page);
    if (existsSync(file)) {
      for (const section of readFileSync(file, 'utf8').split(/^## /m).slice(1)) {
        const nl = section.indexOf('\n');
        sections.set(section.slice(0, nl).trim(), section.slice(nl + 1).trim());
      }
    }
  }
  return sections.get(id);
}
