/** The key policy grammar: which elements exist where, and what they mean. */

export interface ElementInfo {
  readonly name: string;
  readonly doc: string;
  /** Elements that cannot appear together with this one in a statement. */
  readonly excludes?: string;
}

export const POLICY_ELEMENTS: readonly ElementInfo[] = [
  { name: 'Version', doc: 'Policy language version. Use `"2012-10-17"`; the older `"2008-10-17"` lacks policy variables.' },
  { name: 'Id', doc: 'Optional identifier for the policy.' },
  { name: 'Statement', doc: 'The statements of the policy: one object or an array of objects.' },
];

export const STATEMENT_ELEMENTS: readonly ElementInfo[] = [
  { name: 'Sid', doc: 'Statement id. Must be unique within the policy.' },
  { name: 'Effect', doc: '`Allow` or `Deny`. An explicit Deny always wins over any Allow.' },
  { name: 'Principal', doc: 'Who the statement applies to: `{"AWS": [...]}`, `{"Service": ...}`, or `"*"`. A key policy must name a principal.', excludes: 'NotPrincipal' },
  { name: 'NotPrincipal', doc: 'Everyone except the listed principals. Only safe with `Deny`; prefer `Principal: {"AWS":"*"}` with an `ArnNotEquals aws:PrincipalArn` condition.', excludes: 'Principal' },
  { name: 'Action', doc: 'The KMS actions the statement allows or denies, such as `kms:Decrypt`. Wildcards `*` and `?` are allowed.', excludes: 'NotAction' },
  { name: 'NotAction', doc: 'Every action except the listed ones. With Allow this usually grants far more than intended.', excludes: 'Action' },
  { name: 'Resource', doc: 'In a key policy, always `"*"`: it means "this key".', excludes: 'NotResource' },
  { name: 'NotResource', doc: 'Has no useful meaning in a key policy; use `"Resource": "*"`.', excludes: 'Resource' },
  { name: 'Condition', doc: 'Conditions that must all hold for the statement to apply: `{"Operator": {"key": value}}`.' },
];

export const PRINCIPAL_TYPES: readonly ElementInfo[] = [
  { name: 'AWS', doc: 'AWS accounts, IAM roles and users, assumed-role sessions, or `"*"`.' },
  { name: 'Service', doc: 'AWS service principals such as `logs.amazonaws.com`.' },
  { name: 'Federated', doc: 'Web identity or SAML providers.' },
  { name: 'CanonicalUser', doc: 'An S3 canonical user id.' },
];

export const POLICY_VERSION = '2012-10-17';
