/**
 * The workspace index of domain specs: spec URI -> spec, policy URI -> the specs that govern it,
 * duplicate domain names, and the principal ARNs the workspace's key policies name (for
 * completion). Pure: the server feeds it file contents (on open, edit and watched-file events)
 * and asks it questions; it never reads a file itself.
 *
 * Keys are normalized URIs (percent-decoded, drive letter lowercased), so `file:///a%20b/x` and
 * `file:///a b/x` are one file. Plain paths work too (the CLI passes absolute paths).
 */
import { principalValues } from '../evaluate/evaluate';
import type { PolicyDocument } from '../policy/model';
import { isDomainSpecName, specFormatOf, type DomainSpec, type SpecFormat } from './model';
import { parseSpec } from './parse';
import { resolveSpec } from './resolve';
import { CONCRETE_PRINCIPAL_ARN } from '../principal/arn';

export interface IndexedSpec {
  /** The URI as given. */
  readonly uri: string;
  readonly spec: DomainSpec;
  /** The governed file's URI (key.policy resolved against the spec's folder), when key.policy is set. */
  readonly policyUri?: string;
  /** `file#resource`: the resource inside an IaC file. */
  readonly policyResource?: string;
  /** The domain name, when set. */
  readonly domain?: string;
}

export class DomainIndex {
  private readonly specs = new Map<string, IndexedSpec>();
  private readonly policyArns = new Map<string, { readonly uri: string; readonly arns: readonly string[] }>();
  /**
   * Spec keys by the normalized URI of the policy they govern, and by domain name: every question
   * is a lookup. (Filtering all specs and normalizing each one's policy URI per question made
   * indexing a workspace quadratic: 7 s for 1,000 specs.)
   */
  private readonly byPolicy = new Map<string, Set<string>>();
  private readonly byDomain = new Map<string, Set<string>>();
  private sorted: IndexedSpec[] | undefined;

  /** Parses and indexes a spec (the format from its name unless given). */
  setSpec(uri: string, text: string, format: SpecFormat = specFormatOf(uri)): IndexedSpec {
    return this.setParsedSpec(uri, parseSpec(text, format));
  }

  /** Indexes an already parsed spec (the server's cached parse of an open document). */
  setParsedSpec(uri: string, spec: DomainSpec): IndexedSpec {
    return this.put({ uri, spec, ...specLinks(uri, spec) });
  }

  /**
   * Indexes a spec by its links alone (a few strings): its parse is made again by `load` each time
   * it is asked for. The CLI's index, whose memory must not grow with the number of specs.
   */
  setSpecLinks(uri: string, links: SpecLinks, load: () => DomainSpec): IndexedSpec {
    return this.put({
      uri,
      ...links,
      get spec() {
        return load();
      },
    });
  }

  private put(entry: IndexedSpec): IndexedSpec {
    const uri = entry.uri;
    const key = normalizeUri(uri);
    this.unlink(key);
    this.specs.set(key, entry);
    if (entry.policyUri !== undefined) addTo(this.byPolicy, normalizeUri(entry.policyUri), key);
    if (entry.domain !== undefined) addTo(this.byDomain, entry.domain, key);
    return entry;
  }

  deleteSpec(uri: string): boolean {
    const key = normalizeUri(uri);
    this.unlink(key);
    return this.specs.delete(key);
  }

  /** Takes a spec out of the secondary indexes (before it is replaced or deleted). */
  private unlink(key: string): void {
    const old = this.specs.get(key);
    if (!old) return;
    this.sorted = undefined;
    if (old.policyUri !== undefined) removeFrom(this.byPolicy, normalizeUri(old.policyUri), key);
    if (old.domain !== undefined) removeFrom(this.byDomain, old.domain, key);
  }

  getSpec(uri: string): IndexedSpec | undefined {
    return this.specs.get(normalizeUri(uri));
  }

  allSpecs(): IndexedSpec[] {
    this.sorted ??= byUri([...this.specs.values()]);
    return [...this.sorted];
  }

  /** The specs whose key.policy is this file (for an IaC file, any resource in it). */
  governing(policyUri: string): IndexedSpec[] {
    return this.entries(this.byPolicy.get(normalizeUri(policyUri)));
  }

  /** Other specs with the same domain name. */
  sameDomain(specUri: string): IndexedSpec[] {
    const self = this.getSpec(specUri);
    if (!self?.domain) return [];
    return this.entries(this.byDomain.get(self.domain)).filter((s) => s !== self);
  }

  /** Other specs that govern the same policy (and resource). */
  samePolicy(specUri: string): IndexedSpec[] {
    const self = this.getSpec(specUri);
    if (self?.policyUri === undefined) return [];
    return this.entries(this.byPolicy.get(normalizeUri(self.policyUri))).filter((s) => s !== self && s.policyResource === self.policyResource);
  }

  private entries(keys: ReadonlySet<string> | undefined): IndexedSpec[] {
    if (!keys) return [];
    return byUri([...keys].map((k) => this.specs.get(k)!));
  }

  /** Records the principal ARNs a key policy names (for completion in specs). */
  setPolicy(uri: string, policy: PolicyDocument): void {
    this.policyArns.set(normalizeUri(uri), { uri, arns: principalArnsOf(policy) });
  }

  deletePolicy(uri: string): boolean {
    return this.policyArns.delete(normalizeUri(uri));
  }

  /** Every role, user and session ARN the indexed key policies name, sorted, once each. */
  workspaceArns(): string[] {
    const all = new Set<string>();
    for (const { arns } of this.policyArns.values()) for (const a of arns) all.add(a);
    return [...all].sort();
  }

  /** The key policies recorded with setPolicy (for completing key.policy). */
  policyUris(): string[] {
    return [...this.policyArns.values()].map((p) => p.uri).sort();
  }

  /**
   * The documents whose diagnostics may change when this file changes (besides itself): for a
   * spec, the policy it governs and the specs sharing its domain or policy; for a policy, the
   * specs that govern it. Call it before and after an update and refresh the union.
   */
  affectedBy(uri: string): string[] {
    const out = new Set<string>();
    const spec = this.getSpec(uri);
    if (spec) {
      if (spec.policyUri) out.add(spec.policyUri);
      for (const s of [...this.sameDomain(uri), ...this.samePolicy(uri)]) out.add(s.uri);
    }
    for (const s of this.governing(uri)) out.add(s.uri);
    out.delete(uri);
    return [...out];
  }
}

/** The policy a spec governs and its domain name. */
export type SpecLinks = Pick<IndexedSpec, 'policyUri' | 'policyResource' | 'domain'>;

/** A spec's links (strings only: no parse is kept). */
export function specLinks(uri: string, spec: DomainSpec): SpecLinks {
  const ref = resolveSpec(spec).resolved.policy;
  return {
    policyUri: ref && ref.path ? resolveUri(uri, ref.path) : undefined,
    policyResource: ref?.resource,
    domain: spec.domain?.type === 'string' && spec.domain.value ? spec.domain.value : undefined,
  };
}

function byUri(specs: IndexedSpec[]): IndexedSpec[] {
  return specs.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function removeFrom(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

/** Role, user and session ARNs in Principal values and principal conditions. */
export function principalArnsOf(policy: PolicyDocument): string[] {
  const out = new Set<string>();
  for (const { value } of principalValues(policy)) {
    const v = value.trim();
    if (CONCRETE_PRINCIPAL_ARN.test(v)) out.add(v);
  }
  return [...out];
}

export { isDomainSpecName };

// ---- URIs ------------------------------------------------------------------------------------

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A comparison key for a URI or path: percent-decoded, `\` as `/`, drive letter lowercased, `.` segments removed. */
export function normalizeUri(uri: string): string {
  const m = SCHEME.exec(uri);
  const prefix = m ? m[1].toLowerCase() : '';
  let path = safeDecode(m ? m[2] : uri).replace(/\\/g, '/');
  path = path.replace(/^(\/?)([A-Za-z]):/, (_x, slash: string, drive: string) => `${slash}${drive.toLowerCase()}:`);
  return prefix + normalizeSegments(path);
}

function normalizeSegments(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(seg);
  }
  return (absolute ? '/' : '') + out.join('/');
}

/** Encodes a file-system path segment for a URI, as VS Code does (unreserved characters stay). */
function encodeSegment(seg: string): string {
  return encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Resolves a path written in a spec (`./orders.key-policy.json`, `../keys/x.json`) against the
 * spec's URI (or path). Absolute paths replace the spec's folder.
 */
export function resolveUri(base: string, relative: string): string {
  const rel = relative.replace(/\\/g, '/');
  const m = SCHEME.exec(base);
  if (!m) {
    const dir = base.replace(/\\/g, '/').replace(/\/[^/]*$/, '') || '.';
    const joined = rel.startsWith('/') || /^[A-Za-z]:\//.test(rel) ? rel : `${dir}/${rel}`;
    const n = normalizeSegments(joined);
    return n === '' ? '.' : n;
  }
  const [, prefix, encodedPath] = m;
  const dir = encodedPath.replace(/\/[^/]*$/, '');
  const relEncoded = rel
    .split('/')
    .map((s) => (s === '.' || s === '..' ? s : encodeSegment(s)))
    .join('/');
  const joined = rel.startsWith('/') ? relEncoded : /^[A-Za-z]:\//.test(rel) ? `/${relEncoded}` : `${dir}/${relEncoded}`;
  return prefix + normalizeSegments(joined);
}

/** The last path segment of a URI or path, decoded: `orders.key-policy.json`. */
export function baseName(uriOrPath: string): string {
  const clean = uriOrPath.replace(/[?#].*$/, '').replace(/\\/g, '/');
  return safeDecode(clean.slice(clean.lastIndexOf('/') + 1));
}

/** The spec's path relative to another file's folder, for messages (`../specs/orders.kms-domain.yaml`). */
export function relativePath(fromFile: string, to: string): string {
  const a = normalizeUri(fromFile).split('/').slice(0, -1);
  const b = normalizeUri(to).split('/');
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  return [...Array(up).fill('..'), ...b.slice(i)].join('/') || baseName(to);
}
