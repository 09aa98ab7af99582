/** CLI reports: findings with 1-based lines and columns, and their text, JSON and SARIF forms. */
import { RULES_FOR_REPORTS, toLineFindings, type Finding, type LineFinding, type Severity } from '../service/batch';

export type CliFinding = LineFinding;

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
  return toLineFindings(text, findings);
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

/** A rule as SARIF lists it. */
export interface ExtraRule {
  id: string;
  summary: string;
  level: Severity;
  tags: string[];
}

export interface SarifOptions {
  toolVersion: string;
  ruleHelp: (id: string) => string | undefined;
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
  // The rule registry's rows (policy and IaC rules, then the file problems, then the spec rules).
  const row = (r: (typeof RULES_FOR_REPORTS)[number]): ExtraRule => ({ id: r.id, summary: r.summary, level: r.defaultSeverity, tags: r.scope === 'spec' ? ['security', 'aws-kms', 'domain-spec'] : ['security', 'aws-kms'] });
  const rules: ExtraRule[] = [
    ...RULES_FOR_REPORTS.filter((r) => r.scope !== 'spec').map(row),
    ...Object.entries(FILE_RULES).map(([id, summary]) => ({ id, summary, level: 'error' as Severity, tags: ['security', 'aws-kms'] })),
    ...RULES_FOR_REPORTS.filter((r) => r.scope === 'spec').map(row),
  ];
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
