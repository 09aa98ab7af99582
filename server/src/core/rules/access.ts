/** Rules about who can do what, decided by the evaluator (the one source of truth for access). */
import { actionsOfCapability, capabilitiesOf, expandAction, findAction, isWildcard, type Capability, type KmsAction } from '../catalog/catalog';
import { holds, iamDelegations, parseCaller, whoCan, type IamDelegation, type PrincipalAccess } from '../evaluate/index';
import { hasPlaceholder } from '../policy/placeholder';
import type { PolicyDocument, ScalarValue, Statement } from '../policy/model';
import { parseOperator } from '../policy/operators';
import { partlyKnown, unknownMayDeny } from './partialAnalysis';
import type { Rule, RuleFinding } from './types';
import { capitalize, isAllow, isDeny, keySpan, statementHead, statementName, stringItems } from './util';

/** The account whose root a principal value names (`arn:aws:iam::ACCOUNT:root`, an account id, or either with a placeholder for the account). */
function rootAccount(value: string): string | undefined {
  const caller = parseCaller(value);
  return caller.kind === 'root' && (caller.principal.startsWith('arn:aws') || hasPlaceholder(caller.principal)) ? caller.account : undefined;
}

/** The principal values of a statement (Principal entries and principal-naming condition values). */
function principalMentions(s: Statement): ScalarValue[] {
  const out: ScalarValue[] = [];
  for (const p of [s.principal, s.notPrincipal]) {
    if (p?.bare) out.push(p.bare);
    for (const e of p?.entries ?? []) out.push(...e.values.items.filter((v) => v.literal));
  }
  for (const c of s.condition?.clauses ?? []) {
    const k = c.key.value.toLowerCase();
    if (k === 'aws:principalarn' || k === 'aws:principalaccount' || k === 'kms:calleraccount') out.push(...c.values.items);
  }
  return out;
}

/** Where a principal is written in a statement, for a precise range. */
function mentionOf(s: Statement, principal: string): ScalarValue | undefined {
  const account = rootAccount(principal);
  return principalMentions(s).find((v) => v.value.toLowerCase() === principal.toLowerCase() || (account !== undefined && rootAccount(v.value) === account));
}

function firstMention(policy: PolicyDocument, p: PrincipalAccess): { span: { start: number; end: number }; statement: Statement } | undefined {
  for (const i of p.namedIn) {
    const s = policy.statements.find((x) => x.index === i);
    const m = s && mentionOf(s, p.principal);
    if (s && m) return { span: m.span, statement: s };
  }
  return undefined;
}

/** "every KMS action on this key, administration and data access alike" or "12 KMS actions on this key (read-data, write-data)". */
function describeActions(actions: readonly KmsAction[]): string {
  if (actions.length === expandAction('kms:*').length) return 'every KMS action on this key, administration and data access alike';
  return `${actions.length} KMS action${actions.length === 1 ? '' : 's'} on this key (${capabilitiesOf(actions).join(', ')})`;
}

function actionsNamed(names: readonly string[]): KmsAction[] {
  return names.map((n) => findAction(n)).filter((a): a is KmsAction => a !== undefined);
}

/** A principal "administers by design" when it holds at least half of administer-resource's actions (k9's lists omit newer ones). */
function isAdministrator(p: PrincipalAccess): boolean {
  let answer = administrators.get(p);
  if (answer === undefined) {
    const admin = actionsOfCapability('administer-resource');
    administrators.set(p, (answer = admin.filter((a) => p.decisionOf(a).result === 'allowed').length * 2 >= admin.length));
  }
  return answer;
}
/** Two rules ask about every workload. */
const administrators = new WeakMap<PrincipalAccess, boolean>();

function holdsData(p: PrincipalAccess): boolean {
  return holds(p, 'read-data') !== 'none' || holds(p, 'write-data') !== 'none';
}

const PUT_KEY_POLICY = findAction('kms:PutKeyPolicy')!;
const CREATE_GRANT = findAction('kms:CreateGrant')!;

const workloads = (access: readonly PrincipalAccess[]) => access.filter((p) => p.origin === 'named' && (p.kind === 'role' || p.kind === 'user' || p.kind === 'session'));

// ---- 1. missing DenyEveryoneElse -------------------------------------------------------------

/** A Deny of kms:* to `{"AWS":"*"}` except the principals named in a negated aws:PrincipalArn condition (or NotPrincipal). */
export function isDenyEveryoneElse(s: Statement): boolean {
  if (!isDeny(s)) return false;
  if (s.notPrincipal) return true;
  const wide = s.principal?.bare?.value === '*' || s.principal?.entries.some((e) => e.type === 'AWS' && e.values.items.some((v) => v.value === '*'));
  if (!wide) return false;
  return (s.condition?.clauses ?? []).some((c) => {
    const op = parseOperator(c.operator.value);
    const k = c.key.value.toLowerCase();
    return op?.base.negated === true && (k === 'aws:principalarn' || k === 'aws:principalaccount' || k === 'kms:calleraccount');
  });
}

export const missingDenyEveryoneElse: Rule = {
  id: 'missing-deny-everyone-else',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: 'The policy lets IAM policies (or a wide principal) grant access, and no DenyEveryoneElse statement limits who can use the key.',
  check(policy) {
    const out: RuleFinding[] = [];
    // The unknown parts may hold the DenyEveryoneElse (not when each is inside an Allow).
    if (unknownMayDeny(policy)) return out;
    const hasDeny = policy.statements.some(isDenyEveryoneElse);
    // Once per delegated account, on the statement that grants the most (say each thing once).
    for (const d of iamDelegations(policy)) {
      const actions = actionsNamed(d.actions);
      if (actions.length === 0) continue;
      let best: { s: Statement; granted: readonly string[] } | undefined;
      for (const index of d.statements) {
        const s = policy.statements.find((x) => x.index === index);
        const granted = d.byStatement.get(index) ?? [];
        if (s && (!best || granted.length > best.granted.length)) best = { s, granted };
      }
      if (!best) continue;
      const { s, granted } = best;
      const others = d.statements.filter((i) => i !== s.index && (d.byStatement.get(i)?.length ?? 0) > 0);
      const alone = actionsNamed(granted);
      const at = mentionOf(s, `arn:aws:iam::${d.account}:root`);
      out.push({
        span: at?.span ?? statementHead(s),
        message:
          `${capitalize(statementName(s))} lets IAM policies in account ${d.account} grant any principal there ${describeActions(alone.length ? alone : actions)}` +
          (others.length && alone.length < actions.length ? ` (${describeActions(actions)} with the account's other ${others.length === 1 ? 'statement' : `${others.length} statements`})` : '') +
          '. ' +
          (hasDeny ? 'The Deny statement here does not stop them. ' : 'Nothing denies everyone else. ') +
          'Add a DenyEveryoneElse statement that denies kms:* to every principal but the ones this policy names, or rewrite to least privilege.',
        data: { account: d.account },
      });
    }
    return out;
  },
};

// ---- 3. lockout ------------------------------------------------------------------------------

export const lockout: Rule = {
  id: 'lockout',
  usesAccess: true,
  defaultSeverity: 'error',
  summary: 'No principal can call kms:PutKeyPolicy: the key would be locked forever.',
  check(policy, context) {
    // The unknown parts may name an administrator.
    if (policy.statementSpan === undefined || partlyKnown(policy)) return [];
    const access = context.access();
    if (whoCan(access, 'kms:PutKeyPolicy').length > 0) return [];
    const maybe = whoCan(access, 'kms:PutKeyPolicy', ['conditional']);
    const statementKey = policy.properties.find((p) => p.name === 'Statement')?.keySpan ?? policy.statementSpan;
    // Point at the Deny that takes PutKeyPolicy away, when there is one.
    const denied = access.map((p) => p.decisionOf(PUT_KEY_POLICY)).find((d) => d.result === 'denied');
    const deny = denied && policy.statements.find((s) => s.index === denied.statements[0]);
    const span = deny ? statementHead(deny) : statementKey;
    if (maybe.length > 0) {
      return [
        {
          span,
          severity: 'warning',
          message: `Only under conditions can anyone call kms:PutKeyPolicy (${maybe.map((p) => p.principal).slice(0, 3).join(', ')}). If those conditions do not hold, nobody can ever change this key policy again. Give an administrator unconditional administer-resource.`,
        },
      ];
    }
    return [
      {
        span,
        message:
          'Nobody can call kms:PutKeyPolicy under this policy, directly or through IAM, so nobody could ever change it again. AWS refuses such a policy unless its lockout safety check is bypassed. Give administer-resource to at least one principal' +
          (deny ? `, and make sure ${statementName(deny)} does not deny it.` : '.'),
      },
    ];
  },
};

// ---- 4. over-broad grant ---------------------------------------------------------------------

function isRootDelegation(s: Statement): boolean {
  const values = s.principal?.entries.flatMap((e) => (e.type === 'AWS' ? e.values.items.map((v) => v.value) : ['x'])) ?? [];
  return values.length > 0 && values.every((v) => rootAccount(v) !== undefined);
}

/** What makes a wildcard's capabilities worth a second look, as a clause after the list. */
function whyBroad(caps: readonly Capability[], matched: readonly KmsAction[]): string {
  if (caps.includes('administer-resource') && (caps.includes('read-data') || caps.includes('write-data'))) return ': administration and data access at once';
  const deletes = matched.filter((a) => a.capability === 'delete-data');
  if (deletes.length) return `, delete-data among them (${deletes.map((a) => a.fullName).join(', ')})`;
  return '';
}

export const overBroadGrant: Rule = {
  id: 'over-broad-grant',
  defaultSeverity: 'warning',
  summary: 'kms:*, or a wildcard that spans several capabilities, is granted to a principal.',
  check(policy) {
    const out: RuleFinding[] = [];
    // The capabilities of each distinct wildcard, once: statements repeat the same few.
    const capsByValue = new Map<string, Capability[]>();
    const capabilitiesOfValue = (value: string) => {
      let caps = capsByValue.get(value);
      if (!caps) capsByValue.set(value, (caps = capabilitiesOf(expandAction(value))));
      return caps;
    };
    for (const s of policy.statements) {
      if (!isAllow(s)) continue;
      const wide = stringItems(s.action).filter((v) => isWildcard(v.value) && capabilitiesOfValue(v.value).length >= 2);
      const notAction = keySpan(s, 'NotAction');
      if ((wide.length === 0 && !notAction) || isRootDelegation(s)) continue;
      const mentions = principalMentions(s).map((v) => v.value);
      const who = mentions.filter((v) => v !== '*');
      const whom = who.length ? who.slice(0, 3).join(', ') + (who.length > 3 ? ` and ${who.length - 3} more` : '') : mentions.length ? 'anyone' : 'the principals it names';
      for (const v of wide) {
        const matched = expandAction(v.value);
        const caps = capabilitiesOfValue(v.value);
        out.push({
          span: v.span,
          message: `"${v.value}" grants ${whom} ${matched.length} actions across ${caps.length} capabilities (${caps.join(', ')})${whyBroad(caps, matched)}. Grant only the capabilities each principal needs: rewrite to least privilege, or list the actions.`,
          data: { capabilities: [...caps] },
        });
      }
      if (notAction) {
        out.push({ span: notAction, message: `Allow with NotAction grants ${whom} every KMS action except the ones listed, including actions AWS adds later. List the actions to allow instead.` });
      }
    }
    return out;
  },
};

// ---- 5. separation of duties -----------------------------------------------------------------

export const separationOfDuties: Rule = {
  id: 'separation-of-duties',
  usesAccess: true,
  defaultSeverity: 'info',
  summary: 'One principal both administers the key and reads or writes its data.',
  check(policy, context) {
    const out: RuleFinding[] = [];
    for (const p of workloads(context.access())) {
      if (holds(p, 'administer-resource') === 'none' || !holdsData(p)) continue;
      // Only what statements naming it give: access everyone gets ("AWS": "*") is public-key's to report.
      const named = new Set(p.namedIn);
      const asNamed = (c: Capability) => actionsOfCapability(c).some((a) => {
        const d = p.decisionOf(a);
        return d.result === 'allowed' && d.statements.some((i) => named.has(i));
      });
      if (!asNamed('administer-resource')) continue;
      const at = firstMention(policy, p);
      if (!at) continue;
      const data = (['read-data', 'write-data'] as Capability[]).filter((c) => holds(p, c) !== 'none' && asNamed(c));
      if (data.length === 0) continue;
      out.push({
        span: at.span,
        message: `${p.principal} both administers this key and holds ${data.join(' and ')}: one compromised credential could change the policy and read the data. Consider separate principals for administration and data access.`,
      });
    }
    return out;
  },
};

// ---- 6. public key ---------------------------------------------------------------------------

// aws:Source* keys are only in requests an AWS service makes for a resource: "*" with one of them is a service path, not the public.
const LIMITING_KEYS = new Set(['aws:principalarn', 'aws:principalaccount', 'kms:calleraccount', 'aws:principalorgid', 'aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths']);

/** Keys that say for whom an AWS service acts: the organization, account or resource behind its request. */
const SOURCE_KEYS = new Set(['aws:sourceorgid', 'aws:sourceorgpaths', 'aws:sourceaccount', 'aws:sourcearn']);

/**
 * `"AWS": "*"` limited by `aws:PrincipalIsAWSService = true` and a source condition
 * (`aws:SourceOrgID`, `aws:SourceAccount`, `aws:SourceArn`): AWS services acting for that
 * organization, account or resource, which is how AWS documents organization-wide service access.
 * `'services'`: limited to AWS services, but not to a source.
 */
function actingForSource(s: Statement): boolean | 'services' {
  let service = false;
  let source = false;
  for (const c of s.condition?.clauses ?? []) {
    const op = parseOperator(c.operator.value);
    if (!op || op.base.negated || op.base.family === 'Null') continue;
    const key = c.key.value.toLowerCase();
    if (key === 'aws:principalisawsservice' && op.base.family === 'Bool' && !op.ifExists && c.values.items.every((v) => v.value.toLowerCase() === 'true')) service = true;
    else if (SOURCE_KEYS.has(key) && !op.ifExists) source = true;
  }
  return service && source ? true : service ? 'services' : false;
}

/** Is this span inside a part of the policy the analysis could not read (`PolicyDocument.unknown`)? */
function unread(policy: PolicyDocument, span: { start: number; end: number }): boolean {
  return (policy.unknown ?? []).some((u) => u.span.start <= span.start && span.end <= u.span.end);
}

export const publicKey: Rule = {
  id: 'public-key',
  defaultSeverity: 'error',
  summary: 'An Allow to every principal ("*") with no condition that limits the caller.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      if (!isAllow(s)) continue;
      const star = s.principal?.bare?.value === '*' ? s.principal.bare : s.principal?.entries.find((e) => e.type === 'AWS')?.values.items.find((v) => v.value === '*');
      if (!star) continue;
      const limited = (s.condition?.clauses ?? []).some((c) => {
        // An operator or key the analysis could not read (`test = var.x`) may limit the caller: unknown is not absent.
        if (unread(policy, c.operator.span) && (unread(policy, c.key.span) || LIMITING_KEYS.has(c.key.value.toLowerCase()))) return true;
        const op = parseOperator(c.operator.value);
        return op !== undefined && !op.base.negated && op.base.family !== 'Null' && LIMITING_KEYS.has(c.key.value.toLowerCase());
      });
      const acting = actingForSource(s);
      if (limited || acting === true) continue;
      out.push({
        span: star.span,
        message:
          acting === 'services'
            ? `${capitalize(statementName(s))} allows any AWS service, acting for anyone in any AWS account, to use this key. Add a condition on aws:SourceOrgID, aws:SourceAccount or aws:SourceArn to say for whom services may use it.`
            : `${capitalize(statementName(s))} allows anyone, in any AWS account, to use this key: no condition limits the caller. Add a condition on aws:PrincipalArn (k9 style: ArnEquals with the allowed ARNs), aws:PrincipalAccount, kms:CallerAccount or aws:PrincipalOrgID.`,
      });
    }
    return out;
  },
};

// ---- 7. root delegation explained -------------------------------------------------------------

export const rootDelegation: Rule = {
  id: 'root-delegation',
  usesAccess: true,
  defaultSeverity: 'info',
  summary: 'Explains what an Allow to the account root delegates to IAM policies.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const d of iamDelegations(policy)) {
      for (const index of d.statements) {
        const s = policy.statements.find((x) => x.index === index);
        const at = s && mentionOf(s, `arn:aws:iam::${d.account}:root`);
        if (!s || !at) continue;
        const actions = actionsNamed(d.byStatement.get(index) ?? []);
        out.push({ span: at.span, message: actions.length ? `Delegates to IAM: any IAM policy in account ${d.account} can grant its principals ${describeActions(actions)}.` : idleDelegation(policy, d, index) });
      }
    }
    return out;
  },
};

/** Why a root delegation lets IAM grant nothing more: said only as far as the policy shows it. */
function idleDelegation(policy: PolicyDocument, d: IamDelegation, index: number): string {
  const others = d.statements.filter((i) => i !== index && d.byStatement.has(i)).map((i) => policy.statements.find((s) => s.index === i)).filter((s): s is Statement => s !== undefined);
  if (others.length) return `Delegates to IAM in account ${d.account}, adding nothing to what ${others.map(statementName).join(' and ')} already ${others.length === 1 ? 'delegates' : 'delegate'} there: ${describeActions(actionsNamed(d.actions))}.`;
  if (d.conditionalActions.length) return `Delegates to IAM in account ${d.account} only under conditions the evaluator cannot decide (${d.conditionalActions.length} KMS action${d.conditionalActions.length === 1 ? '' : 's'}, such as ${d.conditionalActions[0]}).`;
  if (policy.statements.some(isDenyEveryoneElse)) return `Delegates to IAM in account ${d.account}, but DenyEveryoneElse limits it: IAM policies can only add access for the principals this policy names.`;
  return `Delegates to IAM in account ${d.account}, but IAM policies there can add nothing through this statement: what it allows is already allowed to every principal, or denied, by other statements.`;
}

// ---- 12. CreateGrant to a data principal -------------------------------------------------------

export const createGrantForDataPrincipal: Rule = {
  id: 'create-grant-without-aws-resource',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: 'An application principal may create grants without kms:GrantIsForAWSResource.',
  check(policy, context) {
    const out: RuleFinding[] = [];
    const apps = workloads(context.access()).filter((p) => holdsData(p) && !isAdministrator(p));
    for (const s of policy.statements) {
      if (!isAllow(s)) continue;
      const grant = stringItems(s.action).find((v) => expandAction(v.value).some((a) => a.name === 'CreateGrant'));
      if (!grant) continue;
      if ((s.condition?.clauses ?? []).some((c) => c.key.value.toLowerCase() === 'kms:grantisforawsresource')) continue;
      const who = apps.filter((p) => p.namedIn.includes(s.index) && p.decisionOf(CREATE_GRANT).result === 'allowed');
      if (who.length === 0) continue;
      out.push({
        span: grant.span,
        message: `${who.map((p) => p.principal).join(', ')} can create grants on this key for anyone, passing on its own data access. Add "Bool": {"kms:GrantIsForAWSResource": "true"} so that only AWS services (EBS, RDS...) can create grants for it.`,
      });
    }
    return out;
  },
};

// ---- 13. admin actions on an application principal ---------------------------------------------

const DESTRUCTIVE = actionsNamed(['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy']);

export const adminOnDataPrincipal: Rule = {
  id: 'admin-on-data-principal',
  usesAccess: true,
  defaultSeverity: 'warning',
  summary: 'A principal that uses data also holds ScheduleKeyDeletion, DisableKey or PutKeyPolicy.',
  check(policy, context) {
    const out: RuleFinding[] = [];
    for (const p of workloads(context.access())) {
      if (!holdsData(p) || isAdministrator(p)) continue;
      const risky = DESTRUCTIVE.filter((a) => p.decisionOf(a).result === 'allowed').map((a) => a.fullName);
      if (risky.length === 0) continue;
      const at = firstMention(policy, p);
      if (!at) continue;
      out.push({
        span: at.span,
        message: `${p.principal} uses this key's data and can also call ${risky.join(', ')}: a bug or a stolen credential in that workload could lock or destroy the key. Give it read-data and write-data only.`,
      });
    }
    return out;
  },
};
