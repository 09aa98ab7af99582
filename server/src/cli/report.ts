/** CLI reports: findings with 1-based lines and columns, and their text, JSON and SARIF forms. */
import { lineIndex } from '../core/policy/lines';
import { RULES, type Finding, type Severity } from '../core/rules/index';
import { IAC_RULES } from '../core/iac/rules';

export interface CliFinding {
  code: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface FileReport {
  file: string;
  findings: CliFinding[];
}

/** Problems with a file itself, reported like rule findings so that every format carries them. */
export const FILE_RULES: Record<string, string> = {
  unreadable: 'The file could not be read.',
  binary: 'The file is binary, not a key policy.',
  'too-large': 'The file is over the size limit and was not checked.',
  'not-utf8': 'The file is not valid UTF-8 text.',
};

export function toCliFindings(text: string, findings: readonly Finding[]): CliFinding[] {
  const at = lineIndex(text);
  return findings.map((f) => {
    const start = at(f.span.start);
    const end = at(f.span.end);
    return { code: f.code, severity: f.severity, message: f.message, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
  });
}

export function fileProblem(code: keyof typeof FILE_RULES, message: string): CliFinding {
  return { code, severity: 'error', message, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

/**
 * A report written file by file as the files are checked, so memory stays flat however many files
 * there are (100,000 files' reports held until the end took 400 MB). JSON and SARIF come out
 * byte for byte as `JSON.stringify(document, null, 2)` of the whole document would.
 */
export interface ReportWriter {
  add(report: FileReport): void;
  end(): void;
}

export type ReportFormat = 'text' | 'json' | 'sarif';

/** A rule listed in SARIF besides the policy, IaC and file rules (the domain spec rules). */
export interface ExtraRule {
  id: string;
  summary: string;
  level: Severity;
  tags: string[];
}

export interface SarifOptions {
  toolVersion: string;
  ruleHelp: (id: string) => string | undefined;
  extraRules?: readonly ExtraRule[];
}

export function reportWriter(format: ReportFormat, write: (text: string) => void, sarif?: SarifOptions): ReportWriter {
  if (format === 'text') return { add: (r) => write(formatText(r)), end: () => {} };
  if (format === 'json') return arrayWriter(write, JSON.stringify({ files: [] }, null, 2), '"files": []', 4, (r) => [r]);
  if (!sarif) throw new Error('SARIF needs the tool version and rule help');
  const { document, ruleIndex } = sarifDocument(sarif);
  return arrayWriter(write, JSON.stringify(document, null, 2), '"results": []', 8, (r) => sarifResults(r, ruleIndex));
}

/**
 * Streams the items of the one empty array `marker` in `skeleton` (its pretty-printed JSON), each
 * item indented by `indent` spaces, as JSON.stringify would have printed them in place.
 */
function arrayWriter(write: (text: string) => void, skeleton: string, marker: string, indent: number, items: (r: FileReport) => unknown[]): ReportWriter {
  const at = skeleton.indexOf(marker);
  const head = skeleton.slice(0, at + marker.length - 1);
  const tail = skeleton.slice(at + marker.length - 1);
  const pad = ' '.repeat(indent);
  let count = 0;
  return {
    add(r) {
      for (const item of items(r)) {
        write((count++ === 0 ? head + '\n' : ',\n') + pad + JSON.stringify(item, null, 2).replace(/\n/g, '\n' + pad));
      }
    },
    end() {
      write(count === 0 ? skeleton + '\n' : '\n' + ' '.repeat(indent - 2) + tail + '\n');
    },
  };
}

/** One report's findings as `file:line:column severity code message` lines. */
function formatText(r: FileReport): string {
  let out = '';
  for (const f of r.findings) out += `${r.file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.message}\n`;
  return out;
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** The SARIF document with every rule and no results yet. */
function sarifDocument(options: SarifOptions) {
  const rules: ExtraRule[] = [
    ...RULES.map((r) => ({ id: r.id, summary: r.summary, level: r.defaultSeverity, tags: ['security', 'aws-kms'] })),
    ...IAC_RULES.filter((r) => !RULES.some((x) => x.id === r.id)).map((r) => ({ id: r.id, summary: r.summary, level: r.defaultSeverity, tags: ['security', 'aws-kms'] })),
    ...Object.entries(FILE_RULES).map(([id, summary]) => ({ id, summary, level: 'error' as Severity, tags: ['security', 'aws-kms'] })),
  ];
  for (const r of options.extraRules ?? []) if (!rules.some((x) => x.id === r.id)) rules.push(r);
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const document = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kms-policy',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            rules: rules.map((r) => {
              const help = options.ruleHelp(r.id) ?? r.summary;
              return {
                id: r.id,
                name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
                shortDescription: { text: r.summary },
                fullDescription: { text: r.summary },
                help: { text: help.replace(/[*`]/g, ''), markdown: help },
                defaultConfiguration: { level: SARIF_LEVEL[r.level] },
                properties: { tags: r.tags },
              };
            }),
          },
        },
        columnKind: 'utf16CodeUnits',
        // SARIF wants relative URIs under the base id: the base is the working directory.
        originalUriBaseIds: { '%SRCROOT%': { uri: cwdUri() } },
        results: [],
      },
    ],
  };
  return { document, ruleIndex };
}

function sarifResults(r: FileReport, ruleIndex: ReadonlyMap<string, number>) {
  return r.findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: ruleIndex.get(f.code) ?? -1,
    level: SARIF_LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(r.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: Math.max(f.endColumn, f.line === f.endLine ? f.column : 1) },
        },
      },
    ],
  }));
}

function toUri(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function cwdUri(): string {
  const cwd = process.cwd().replace(/\\/g, '/');
  return 'file://' + (cwd.startsWith('/') ? '' : '/') + cwd.split('/').map(encodeURIComponent).join('/') + '/';
}
