#!/usr/bin/env node
// The README's first command: starts the language server (the `kms-policy-language-server`
// bin, over stdio, as an editor would), opens a key policy, and prints what the server answers
// for a completion in its first Action and a hover on its first action.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import rpc from 'vscode-languageserver-protocol/node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = resolve(process.argv[2] ?? join(root, 'examples/orders.key-policy.json'));
const text = readFileSync(file, 'utf8');
const uri = pathToFileURL(file).href;

const at = (offset) => {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length - 1, character: offset - before.lastIndexOf('\n') - 1 };
};
const actionValue = /"(?:Not)?Action"\s*:\s*\[?\s*"([^"]*)"/.exec(text);
if (!actionValue) {
  console.error(`${file}: no Action element to complete in`);
  process.exit(1);
}
const valueOffset = actionValue.index + actionValue[0].length - actionValue[1].length - 1;

const child = spawn(process.execPath, [join(root, 'bin/kms-policy-language-server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
// No partial-message timer: vscode-jsonrpc re-arms it forever once a server left half a message.
const reader = new rpc.StreamMessageReader(child.stdout);
reader.partialMessageTimeout = 0;
const conn = rpc.createProtocolConnection(reader, new rpc.StreamMessageWriter(child.stdin));
conn.listen();
const started = performance.now();
await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
const ready = performance.now();
conn.sendNotification('initialized', {});
conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text } });

const completion = await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: at(valueOffset + 5) });
const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: at(valueOffset + 2) });

console.log(`server initialized in ${(ready - started).toFixed(0)} ms`);
console.log(`\ncompletion in "${actionValue[1]}" (${file}:${at(valueOffset).line + 1}): ${completion?.items.length ?? 0} items`);
const items = [...(completion?.items ?? [])].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
for (const item of items) console.log(`  ${item.label.padEnd(44)} ${item.detail ?? ''}`);
console.log(`\nhover on "${actionValue[1]}":\n`);
console.log(hover ? hover.contents.value.replace(/^/gm, '  ') : '  (none)');

await conn.sendRequest('shutdown');
conn.sendNotification('exit');
child.on('exit', (code) => process.exit(code ?? 1));
