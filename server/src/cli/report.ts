/** CLI reports: findings with 1-based lines and columns, and their text, JSON and SARIF forms. */
import { lineIndex } from '../core/policy/lines';
import { RULES, type Finding, type Severity } from '../core/rules/index';
import { IAC_RULES } from '../core/embed/rules';

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

export function formatText(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) for (const f of r.findings) lines.push(`${r.file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.message}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function formatJson(reports: readonly FileReport[]): string {
  return JSON.stringify({ files: reports }, null, 2) + '\n';
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** SARIF 2.1.0 for GitHub code scanning: every rule with its help, every result with its location. */
export function formatSarif(reports: readonly FileReport[], toolVersion: string, ruleHelp: (id: string) => string | undefined): string {
  const rules = [
    ...RULES.map((r) => ({ id: r.id, summary: r.summary, level: r.defaultSeverity })),
    ...IAC_RULES.filter((r) => !RULES.some((x) => x.id === r.id)).map((r) => ({ id: r.id, summary: r.summary, level: r.defaultSeverity })),
    ...Object.entries(FILE_RULES).map(([id, summary]) => ({ id, summary, level: 'error' as Severity })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kms-policy',
            version: toolVersion,
            semanticVersion: toolVersion,
            rules: rules.map((r) => {
              const help = ruleHelp(r.id) ?? r.summary;
              return {
                id: r.id,
                name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
                shortDescription: { text: r.summary },
                fullDescription: { text: r.summary },
                help: { text: help.replace(/[*`]/g, ''), markdown: help },
                defaultConfiguration: { level: SARIF_LEVEL[r.level] },
                properties: { tags: ['security', 'aws-kms'] },
              };
            }),
          },
        },
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///' } },
        results: reports.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.code,
            ruleIndex: index.get(f.code) ?? -1,
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
          })),
        ),
      },
    ],
  };
  // SARIF wants relative URIs under the base id; fix the base to the working directory.
  sarif.runs[0].originalUriBaseIds['%SRCROOT%'].uri = cwdUri();
  return JSON.stringify(sarif, null, 2) + '\n';
}

function toUri(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function cwdUri(): string {
  const cwd = process.cwd().replace(/\\/g, '/');
  return 'file://' + (cwd.startsWith('/') ? '' : '/') + cwd.split('/').map(encodeURIComponent).join('/') + '/';
}
