/**
 * The node layer's read-only git access: a file at a revision (the CLI's --base) and at HEAD (the
 * server's code-lens base), in a real temporary repository. A file git does not have is new; a
 * repository reached through a symlink is read; a revision that is no revision is refused.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { gitListFiles, gitRevision, gitShowAt, headText } from '../../server/src/node/git';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-git-'));
  dirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(join(dir, 'a.key-policy.json'), '{"v": 1}\n');
  writeFileSync(join(dir, 'b[1].tf'), 'x\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  writeFileSync(join(dir, 'a.key-policy.json'), '{"v": 2}\n');
  return dir;
}

test('headText: the file at HEAD; {} for a file HEAD does not have; undefined outside a repository', async () => {
  const dir = repo();
  assert.deepEqual(await headText(pathToFileURL(join(dir, 'a.key-policy.json')).href), { text: '{"v": 1}\n' });
  writeFileSync(join(dir, 'new.key-policy.json'), '{}');
  assert.deepEqual(await headText(pathToFileURL(join(dir, 'new.key-policy.json')).href), {});
  const plain = mkdtempSync(join(tmpdir(), 'kms-nogit-'));
  dirs.push(plain);
  writeFileSync(join(plain, 'a.key-policy.json'), '{}');
  assert.equal(await headText(pathToFileURL(join(plain, 'a.key-policy.json')).href), undefined);
  assert.equal(await headText('untitled:Untitled-1'), undefined);
});

test('headText: a workspace opened through a symlink is read from the repository it points to', async () => {
  const dir = repo();
  const link = join(mkdtempSync(join(tmpdir(), 'kms-link-')), 'ws');
  dirs.push(link);
  symlinkSync(dir, link);
  assert.deepEqual(await headText(pathToFileURL(join(link, 'a.key-policy.json')).href), { text: '{"v": 1}\n' });
});

test('gitRevision, gitShowAt, gitListFiles: a file at a revision, names taken literally, refs that are options refused', () => {
  const dir = repo();
  const revision = gitRevision(dir, 'HEAD');
  assert.ok(!('error' in revision), JSON.stringify(revision));
  assert.equal(gitShowAt(revision, 'a.key-policy.json'), '{"v": 1}\n');
  assert.equal(gitShowAt(revision, 'missing.json'), undefined);
  // "b[1].tf" is a name, not a pattern.
  assert.deepEqual(gitListFiles(revision, ['b[1].tf']), ['b[1].tf']);
  assert.deepEqual(gitListFiles(revision, ['.']).sort(), ['a.key-policy.json', 'b[1].tf']);
  assert.match((gitRevision(dir, '--output=/tmp/x') as { error: string }).error, /is not a git revision/);
  assert.match((gitRevision(dir, 'no-such-branch') as { error: string }).error, /no commit "no-such-branch"/);
});
