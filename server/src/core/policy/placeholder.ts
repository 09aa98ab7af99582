/**
 * Template placeholders in a policy's strings. Policies kept in repositories are very often
 * templates: `${account_id}` (Terraform templatefile, Serverless `${self:...}`), `<ACCOUNT_ID>`
 * (documentation), `#{AWS::AccountId}`, `{{...}}`, `%{...}`. A placeholder is a symbolic value:
 * never malformed, compared as written (the same placeholder is the same value everywhere in the
 * policy), and shown as written. IAM's own policy variables (`${aws:username}`, `${*}`) are not
 * placeholders: AWS fills them in per request.
 */

/** One placeholder token. `<...>` holds no quote, colon-free brackets of documentation style. */
const TOKEN = /\$\{[^{}]*\}|#\{[^{}]*\}|\{\{[^{}]*\}\}|%\{[^{}]*\}|<[^<>"]+>/g;

/** `${aws:username}`, `${saml:sub}`, `${*}`: variables AWS fills in, per request. */
const POLICY_VARIABLE = /^\$\{(?:[*?$]|(?:aws|saml|sts|ec2|[a-z0-9-]+(?:\.[a-z0-9-]+)+\.com):[^}]*)\}$/i;

/** Cheap test before any regex: every placeholder has `{` or `<`. */
function mayHold(value: string): boolean {
  return value.includes('{') || value.includes('<');
}

/** The placeholder tokens of a string, IAM policy variables left out. */
function tokens(value: string): RegExpMatchArray[] {
  if (!mayHold(value)) return [];
  return [...value.matchAll(TOKEN)].filter((m) => !POLICY_VARIABLE.test(m[0]));
}

/** Does the string hold a template placeholder? */
export function hasPlaceholder(value: string): boolean {
  return tokens(value).length > 0;
}

/** Is the whole string one or more placeholders (`${account_id}`, `<a-AccountId><a-AccountId>`)? */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (!mayHold(v)) return false;
  const found = tokens(v);
  return found.length > 0 && found.reduce((n, m) => n + m[0].length, 0) === v.length;
}

/** Does the string hold an IAM policy variable such as `${aws:username}`? */
export function hasPolicyVariable(value: string): boolean {
  if (!value.includes('${')) return false;
  for (const m of value.matchAll(/\$\{[^{}]*\}/g)) if (POLICY_VARIABLE.test(m[0])) return true;
  return false;
}

/** A whole-placeholder value that names an account by its name (`${account_id}`, `<ACCOUNT_ID>`, `#{AWS::AccountId}`). */
export function isAccountPlaceholder(value: string): boolean {
  return isPlaceholder(value) && /acc(?:oun)?t|acct/i.test(value);
}

/**
 * The colon-separated fields of an ARN, with each placeholder kept whole (`#{AWS::AccountId}` and
 * `${self:custom.id}` hold colons of their own).
 */
export function arnFields(value: string): string[] {
  const found = value.includes('{') ? tokens(value) : [];
  if (found.length === 0) return value.split(':');
  let masked = '';
  let at = 0;
  for (const m of found) {
    masked += value.slice(at, m.index) + m[0].replace(/:/g, '\u0000');
    at = m.index! + m[0].length;
  }
  masked += value.slice(at);
  return masked.split(':').map((f) => f.replace(/\u0000/g, ':'));
}

/** The account field of an ARN or an account id: 12 digits, or a placeholder. */
export function isAccountField(field: string): boolean {
  return /^\d{12}$/.test(field) || isPlaceholder(field);
}

/**
 * Template directives outside JSON strings (`%{ for x in y }`, `{% if %}`, `${jsonencode(x)}`,
 * `{{ x }}`) at `offset`: the file is a template, not JSON. Returns the directive's text.
 */
export function templateDirectiveAt(text: string, offset: number): string | undefined {
  const m = /^(?:%\{[^}]*\}|\{%[^%]*%\}|\$\{[^}]*\}|\{\{[^}]*\}\}|<%[^%]*%>)/.exec(text.slice(offset, offset + 200));
  return m?.[0];
}

/**
 * The value with each placeholder replaced by a valid stand-in for where it stands (an account id
 * in an ARN's account field, `aws` in its partition, `x` elsewhere), so that checks of the form
 * still catch what the template gets wrong around its placeholders. Undefined for a value that is
 * all placeholder: it could be anything.
 */
export function withStandIns(value: string): string | undefined {
  if (isPlaceholder(value)) return undefined;
  const fill = (text: string) => text.replace(TOKEN, (m) => (POLICY_VARIABLE.test(m) ? m : 'x'));
  if (!value.startsWith('arn:')) return fill(value);
  return arnFields(value)
    .map((field, i) => (i === 1 && isPlaceholder(field) ? 'aws' : i === 4 && isPlaceholder(field) ? '111122223333' : fill(field)))
    .join(':');
}
