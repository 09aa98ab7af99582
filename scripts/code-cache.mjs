// A V8 code cache for dist/lsp.js, written at build time (scripts/build.mjs) and read by the server
// at start-up (server/src/node/main.ts): compiling lsp.js (vscode-languageserver and the LSP shell)
// is a good part of the time to the answer to initialize, and a code cache replaces that compilation
// with deserializing the bytecode.
//
// The cache is made by a child process that runs the server with the server's node flags (V8 rejects
// a cache made under other flags, or by another V8) and answers one initialize over stdio, so the
// functions start-up compiles lazily are in the cache too. The server never writes it: a rejected
// or missing cache only means compiling as usual.
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/**
 * How main.ts compiles lsp.js: node's CommonJS wrapper, on lines of its own so that lsp.js keeps its
 * line and column numbers (lineOffset -1) for stack traces and its source map. The build gives it to
 * main.ts (esbuild's define), so the cache and the server compile the same text.
 */
export const LSP_WRAPPER = Object.freeze({ head: '(function (exports, require, module, __filename, __dirname) {\n', tail: '\n})' });

/** Where the cache of a bundle is written. */
export const cacheFile = (file) => `${file}.cache`;

/**
 * Writes `${file}.cache` from a child with `nodeFlags` (those the server runs with), which runs the
 * bundle's `run()` and answers an initialize over stdio: the cache then holds the functions that
 * start-up compiles lazily too (a cache of the top level only saves about 5 ms less). Any cache left
 * from an earlier build is removed first, and the new one is kept only if it is accepted when read
 * back. Resolves with its size in bytes.
 */
export async function writeCodeCache(file, { nodeFlags }) {
  rmSync(cacheFile(file), { force: true });
  const env = { ...process.env, NODE_OPTIONS: '' }; // no flags but the server's
  const child = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), '--write', file, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { processId: null, rootUri: null, capabilities: { workspace: { configuration: true } } } });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    // Answered: closing stdin makes the server exit, and the child write the cache as it does.
    if (out.includes('"id":0,"result"')) child.stdin.end();
  });
  const timer = setTimeout(() => child.kill(), 60_000);
  const code = await new Promise((resolve, reject) => child.on('error', reject).on('exit', resolve));
  clearTimeout(timer);
  const size = statSync(cacheFile(file), { throwIfNoEntry: false })?.size;
  if (!size) throw new Error(`no code cache for ${file} (the child exited with ${code})`);
  const check = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), '--check', file], { stdio: 'inherit', env });
  if ((await new Promise((resolve) => check.on('exit', resolve))) !== 0) {
    rmSync(cacheFile(file), { force: true });
    throw new Error(`the code cache of ${file} is rejected by the node that made it`);
  }
  // main.ts uses the cache only if it has the bundle's modification time (an edited bundle has
  // another): both get the same whole second, which archives (.vsix, npm pack) keep equal.
  const time = Math.floor(Date.now() / 1000);
  for (const f of [file, cacheFile(file)]) utimesSync(f, time, time);
  return size;
}

/** Compiles `file` as main.ts does. */
function compile(file, cachedData) {
  const source = readFileSync(file, 'utf8');
  return new Script(LSP_WRAPPER.head + source + LSP_WRAPPER.tail, { filename: file, lineOffset: -1, cachedData });
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const [mode, file] = process.argv.slice(2);
  if (mode === '--write') {
    const script = compile(file);
    const module = { exports: {} };
    script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
    // The server exits when stdin closes, after its answer: what it ran is compiled by then.
    process.on('exit', () => writeFileSync(cacheFile(file), script.createCachedData()));
    module.exports.run();
  } else if (mode === '--check') {
    process.exitCode = compile(file, readFileSync(cacheFile(file))).cachedDataRejected ? 1 : 0;
  }
}
