/**
 * The extension manifest (package.json `contributes`) against the client's code: every command is
 * contributed and registered, Red Hat's YAML extension gets our domain spec schema, the trace
 * setting is the one the language client reads, and the status bar says what the server is doing.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import picomatch from 'picomatch';
import { statusView } from '../../client/src/status';
import { CLIENT_COMMANDS } from '../../server/src/protocol';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string; title: string; category: string }[];
    yamlValidation: { fileMatch: string[]; url: string }[];
    jsonValidation: { fileMatch: string[]; url: string }[];
    configuration: { properties: Record<string, { enum?: string[]; default?: unknown }> };
  };
};
const clientDir = join(root, 'client', 'src');
const clientSource = readdirSync(clientDir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(clientDir, f), 'utf8')).join('\n');

describe('extension manifest', () => {
  test('"Restart language server" and "Show output" are commands of the KMS Key Policy category', () => {
    const byId = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    assert.equal(byId.get('kmsPolicy.restartServer')?.title, 'Restart language server');
    assert.equal(byId.get('kmsPolicy.showOutput')?.title, 'Show output');
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'KMS Key Policy', c.command);
  });

  test('every contributed command is registered by the client, and the client registers no other', () => {
    const registrations = [...clientSource.matchAll(/registerCommand\(/g)].length;
    assert.equal(registrations, manifest.contributes.commands.length, 'as many registerCommand calls as contributed commands');
    // The client names its commands through server/src/protocol.ts: the manifest lists exactly those.
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(CLIENT_COMMANDS).sort());
    for (const [name, id] of Object.entries(CLIENT_COMMANDS)) assert.ok(clientSource.includes(`CLIENT_COMMANDS.${name}`) || clientSource.includes(`'${id}'`), `the client registers ${id}`);
  });

  test('Red Hat\'s YAML extension validates *.kms-domain.yaml and .yml with the schema our JSON specs use', () => {
    const [entry, ...more] = manifest.contributes.yamlValidation;
    assert.equal(more.length, 0);
    const json = manifest.contributes.jsonValidation.find((j) => j.fileMatch.includes('*.kms-domain.json'));
    assert.equal(entry.url, json?.url, 'the same schema as *.kms-domain.json');
    assert.ok(existsSync(join(root, entry.url)), `${entry.url} exists`);
    const matches = picomatch(entry.fileMatch, { basename: true });
    for (const name of ['orders.kms-domain.yaml', 'orders.kms-domain.yml']) assert.ok(matches(name), name);
    for (const name of ['orders.yaml', 'template.yaml', 'orders.kms-domain.json']) assert.ok(!matches(name), name);
    assert.match(readFileSync(join(root, '.vscodeignore'), 'utf8'), /^!schemas\/\*\.json$/m, 'the schema ships in the .vsix');
  });

  test('kmsPolicy.trace.server is the setting the language client reads: <client id>.trace.server', () => {
    const setting = manifest.contributes.configuration.properties['kmsPolicy.trace.server'];
    assert.deepEqual(setting.enum, ['off', 'messages', 'verbose']);
    assert.equal(setting.default, 'off');
    assert.match(clientSource, /new LanguageClient\('kmsPolicy',/, 'the client id is kmsPolicy');
    assert.match(clientSource, /traceOutputChannel: trace/, 'the client writes the trace to the channel that follows the setting');
  });
});

describe('the status bar item', () => {
  test('busy, failed, starting and idle read differently, and only a failure is an error', () => {
    const idle = statusView('running', false);
    const busy = statusView('running', true);
    const failed = statusView('failed', false, 'spawn node ENOENT');
    const starting = statusView('starting', false);
    assert.equal(new Set([idle.text, busy.text, failed.text, statusView('stopped', false).text]).size, 4);
    assert.match(busy.text, /~spin/);
    assert.match(starting.text, /~spin/);
    assert.doesNotMatch(idle.text, /~spin/);
    assert.match(failed.text, /\$\(error\)/);
    assert.match(failed.tooltip, /spawn node ENOENT/);
    assert.match(failed.tooltip, /Restart language server/);
    assert.deepEqual([idle, busy, starting, statusView('stopped', false)].map((v) => v.error), [false, false, false, false]);
    assert.equal(failed.error, true);
  });
});
