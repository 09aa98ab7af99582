/**
 * The domain spec pass of `kms-policy check`: each spec's own findings, and drift between each spec
 * and the key policy it governs, with memory that does not grow with what the specs and policies
 * hold.
 *
 * Between reading a spec and checking it, only its summary is kept: a few strings (where it is,
 * its domain, the policy it governs). A spec is parsed again when its policy is at hand: when the
 * walk of `check` reaches that policy (its parse is the walk's), or at the end for a policy the
 * walk did not check. A policy and its specs are then checked together and dropped, with the
 * evaluator's work on them (the drift of one pair is about 150 KB of it).
 */
import { resolve as resolvePath } from 'node:path';
import { analyzeIac, classify } from '../core/embed/index';
import { checkSpec, type PolicyLookup } from '../core/domain/check';
import { driftFindings, type GoverningSpec } from '../core/domain/drift';
import { specFormatOf } from '../core/domain/model';
import { parseSpec } from '../core/domain/parse';
import { settle } from '../core/domain/rules';
import { normalizeUri, specLinks } from '../core/domain/workspace';
import type { PolicyDocument } from '../core/policy/model';
import { parsePolicy } from '../core/policy/parse';
import type { SeveritySetting } from '../core/rules/types';
import { specValidator } from '../service/domainSchema';
import { readText } from './files';
import { toCliFindings, type CliFinding, type FileReport } from './report';

type FileProblem = 'unreadable' | 'binary' | 'too-large' | 'not-utf8';

export interface SpecPassOptions {
  readonly severities: Record<string, SeveritySetting>;
  readonly maxBytes: number;
  readonly display: (path: string) => string;
  /** A file that could not be read (reported like any file problem). */
  readonly fail: (path: string, code: FileProblem, message: string) => void;
  /** Reads a file as text (files.ts readText; a test may count the reads). */
  readonly read?: typeof readText;
}

/** What checking the specs of one policy file gives: drift findings on that file, and each spec's own report. */
export interface Checked {
  readonly drift: CliFinding[];
  readonly specs: FileReport[];
}

/** All that is kept of a spec until it is checked. */
export interface SpecSummary {
  readonly path: string;
  /** The absolute path. */
  readonly abs: string;
  readonly shown: string;
  readonly domain?: string;
  /** The governed file, absolute, when key.policy is set. */
  readonly policyPath?: string;
  /** `file#resource`: the resource inside an IaC file. */
  readonly policyResource?: string;
}

/** The key policy a spec governs, as read: the lookup checkSpec takes, and the text drift spans refer to. */
export interface PolicyFile {
  readonly lookup: PolicyLookup;
  readonly text?: string;
}

export function summarizeSpec(path: string, text: string, display: (path: string) => string): SpecSummary {
  const abs = resolvePath(path);
  const links = specLinks(abs, parseSpec(text, specFormatOf(path)));
  return { path, abs, shown: display(path), domain: links.domain, policyPath: links.policyUri, policyResource: links.policyResource };
}

export class SpecPass {
  /** Specs by the normalized path of the file they govern, until that file is checked. */
  private readonly pending = new Map<string, SpecSummary[]>();
  private readonly unlinked: SpecSummary[] = [];
  private readonly byDomain = new Map<string, SpecSummary[]>();
  private readonly byPolicy = new Map<string, SpecSummary[]>();
  private readonly read: typeof readText;
  /** Specs read (and checked, by the end). */
  readonly count: number;

  constructor(specPaths: readonly string[], private readonly o: SpecPassOptions) {
    this.read = o.read ?? readText;
    let count = 0;
    for (const path of [...specPaths].sort()) {
      const read = this.read(path, o.maxBytes);
      if (!read.ok) {
        o.fail(path, read.code, read.message);
        continue;
      }
      count++;
      const s = summarizeSpec(path, read.text, o.display);
      if (s.domain !== undefined) push(this.byDomain, s.domain, s);
      if (s.policyPath === undefined) {
        this.unlinked.push(s);
        continue;
      }
      push(this.pending, normalizeUri(s.policyPath), s);
      push(this.byPolicy, `${normalizeUri(s.policyPath)}#${s.policyResource ?? ''}`, s);
    }
    this.count = count;
  }

  /** The specs not checked yet (their summaries are also kept for the duplicate-domain and duplicate-policy checks). */
  waiting(): SpecSummary[] {
    return [...this.unlinked, ...[...this.pending.values()].flat()];
  }

  /**
   * The walk of `check` reached a policy file: checks the specs that govern it. Returns its drift
   * findings, to go in its report, and the specs' own reports. `policyOf` gives the policy for a
   * resource (undefined: the file is a JSON key policy) from the walk's own parse.
   */
  checkedPolicy(path: string, policyOf: (resource: string | undefined) => PolicyFile): Checked {
    const key = normalizeUri(resolvePath(path));
    const specs = this.pending.get(key);
    if (!specs) return { drift: [], specs: [] };
    this.pending.delete(key);
    return this.checkGroup(specs, policyOf);
  }

  /**
   * After the walk: the specs whose policy it did not check (read now, one file at a time) and
   * those that govern none. Their reports in path order, then the drift on policies outside the walk.
   */
  finish(): FileReport[] {
    const specs: FileReport[] = [];
    const drift: FileReport[] = [];
    for (const [key, group] of [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      this.pending.delete(key);
      const path = group[0].policyPath!;
      const checked = this.checkGroup(group, (resource) => readGoverned(path, resource, this.read, this.o.maxBytes));
      specs.push(...checked.specs);
      if (checked.drift.length) drift.push({ file: this.o.display(path), findings: checked.drift });
    }
    for (const s of this.unlinked.splice(0)) {
      const checked = this.checkOne(s, { state: 'unknown' });
      if (checked) specs.push(checked.report);
    }
    return [...specs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)), ...drift];
  }

  /** The specs governing one file (any of its resources), with the policies they govern. */
  private checkGroup(specs: readonly SpecSummary[], policyOf: (resource: string | undefined) => PolicyFile): Checked {
    const out: Checked = { drift: [], specs: [] };
    const resources = new Map<string | undefined, SpecSummary[]>();
    for (const s of specs) push(resources, s.policyResource, s);
    for (const [resource, governing] of resources) {
      const policy = policyOf(resource);
      const parsed: GoverningSpec[] = [];
      for (const s of governing) {
        const checked = this.checkOne(s, policy.lookup);
        if (!checked) continue;
        out.specs.push(checked.report);
        parsed.push(checked.spec);
      }
      if (policy.lookup.state !== 'found' || policy.text === undefined || parsed.length === 0) continue;
      out.drift.push(...toCliFindings(policy.text, settle(driftFindings(policy.lookup.policy, parsed), this.o.severities)));
    }
    return out;
  }

  /** A spec's own report, and the spec as parsed (for drift). */
  private checkOne(s: SpecSummary, policy: PolicyLookup): { report: FileReport; spec: GoverningSpec } | undefined {
    const read = this.read(s.path, this.o.maxBytes);
    if (!read.ok) {
      this.o.fail(s.path, read.code, read.message); // changed since it was first read
      return undefined;
    }
    const spec = parseSpec(read.text, specFormatOf(s.path));
    const others = (list: readonly SpecSummary[] | undefined) => (list ?? []).filter((x) => x !== s).map((x) => x.shown);
    const findings = checkSpec(spec, {
      validate: specValidator(),
      policy,
      sameDomain: s.domain === undefined ? [] : others(this.byDomain.get(s.domain)),
      samePolicy: s.policyPath === undefined ? [] : others(this.byPolicy.get(`${normalizeUri(s.policyPath)}#${s.policyResource ?? ''}`)),
      severities: this.o.severities,
    });
    return { report: { file: s.shown, findings: toCliFindings(read.text, findings) }, spec: { uri: s.abs, spec } };
  }
}

/** The key policy a spec governs, read from disk: a JSON policy, or `file#resource` in an IaC file. */
export function readGoverned(path: string, resource: string | undefined, read: typeof readText, maxBytes: number): PolicyFile {
  const r = read(path, maxBytes);
  if (!r.ok) return { lookup: r.code === 'unreadable' && /ENOENT/.test(r.message) ? { state: 'missing' } : { state: 'unreadable', message: r.message } };
  return governedIn(path, r.text, resource);
}

/** The policy for `resource` in a file's text (`parsed`: the walk's parse of a JSON policy, or of an IaC file's policies). */
export function governedIn(path: string, text: string, resource: string | undefined, parsed?: PolicyDocument | readonly PolicyDocument[]): PolicyFile {
  if (resource !== undefined) {
    const kind = classify(path, text);
    if (!kind) return { lookup: { state: 'unreadable', message: 'it is not a CloudFormation template or a Terraform file.' } };
    const policies = Array.isArray(parsed) ? parsed : analyzeIac(text, kind).policies;
    const policy = policies.find((p) => p.embedded?.resource === resource);
    return policy ? { lookup: { state: 'found', policy }, text } : { lookup: { state: 'unreadable', message: `it has no key policy for the resource "${resource}".` } };
  }
  const policy = parsed && !Array.isArray(parsed) ? (parsed as PolicyDocument) : parsePolicy(text);
  if (policy.fatal || policy.root?.type !== 'object') return { lookup: { state: 'unreadable', message: 'it is not a JSON key policy (run kms-policy check on it for details).' } };
  return { lookup: { state: 'found', policy }, text };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
