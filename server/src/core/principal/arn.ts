/**
 * Principal ARN shapes, written once: account ids, account roots, IAM and STS principal ARNs,
 * service principals. Plain string work; `caller.ts` classifies a principal for the evaluator and
 * `check.ts` validates one written in a domain spec.
 */

/** A 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** The AWS partitions, as they appear in ARNs. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;
const PARTITION = `(?:${PARTITIONS.map((p) => p.replace(/-/g, '\\-')).join('|')})`;

/** `arn:<partition>:iam::<account>:root`: groups 1 (partition) and 2 (account). */
export const ACCOUNT_ROOT_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):root$/;

/** An IAM or STS principal ARN AWS accepts in a Principal element (account `*` and resource `*` included). */
export const IAM_PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:(?:iam::(?:\\d{12}|\\*):(?:root|user/.+|role/.+|federated-user/.+|group/.+|\\*)|sts::(?:\\d{12}|\\*):(?:assumed-role/.+|federated-user/.+|\\*))$`);

/** A concrete (wildcard-free) role, user or assumed-role session ARN. */
export const CONCRETE_PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam::\d{12}:(role|user)\/|sts::\d{12}:assumed-role\/)[^*?]+$/;

/** `<name>.amazonaws.com` (or `.amazonaws.com.cn`). */
export const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** The root ARN of an account in a partition. */
export function rootArn(account: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:root`;
}

/** The account an account-root principal names: `arn:aws:iam::111122223333:root` or a bare `111122223333`. */
export function rootAccount(value: string): string | undefined {
  return ACCOUNT_ROOT_ARN.exec(value)?.[2] ?? (ACCOUNT_ID.test(value) ? value : undefined);
}

/** Is the value an account root (its ARN, or the bare account id AWS reads as one)? */
export function isAccountRoot(value: string): boolean {
  return rootAccount(value) !== undefined;
}
