/**
 * The access diff and the effective-access view: types shared by the core, the CLI, the server
 * and the client (through protocol.ts, which re-declares what crosses the wire).
 */
import type { Capability } from '../catalog/capabilities';
import type { AccessResult } from '../evaluate/evaluate';

/**
 * What a row of the view stands for:
 * - `named`: a principal the policy names (ARN, account root, placeholder or IaC symbol);
 * - `service`: an AWS service principal the policy names;
 * - `account`: anyone else in one of the key's (or a named) account, through IAM policies there;
 * - `other-account`: anyone in an account the policy never mentions (the public);
 * - `other-service`: an AWS service the policy does not name.
 */
export type RowKind = 'named' | 'service' | 'account' | 'other-account' | 'other-service';

/** One principal against one capability. */
export interface AccessCell {
  /** The best decision any action of the capability gets. */
  readonly level: AccessResult;
  /** Not every action of the capability gets `level`. */
  readonly partial: boolean;
  /** When partial: the actions (`kms:Decrypt`) that get `level`. Empty when every action does. */
  readonly actions: readonly string[];
  /** For `conditional`: each deciding statement's conditions, as written (`StringEquals kms:ViaService = s3.us-east-1.amazonaws.com`); a Deny's are prefixed `unless `. */
  readonly conditions: readonly string[];
  /** Statements (indexes in the Statement array) that decide it. */
  readonly statements: readonly number[];
}

export interface AccessRow {
  /** A stable key for matching rows across two versions: the principal as written (IaC symbols by their text), or the stand-in's description. */
  readonly id: string;
  /** For people: the principal as written, or "anyone in 111122223333 through IAM", "anyone in another account", "any other AWS service". */
  readonly label: string;
  readonly kind: RowKind;
  /** Statements that name it (empty for stand-ins). */
  readonly namedIn: readonly number[];
  readonly cells: Readonly<Record<Capability, AccessCell>>;
}

export interface AccessView {
  /** Named principals in order of first appearance, then the stand-ins. */
  readonly rows: readonly AccessRow[];
  /** What the analysis could not read (`PolicyDocument.unknown`, as written): the view is partial. */
  readonly unknown: readonly string[];
}

export type ChangeKind = 'gain' | 'loss' | 'changed';

/**
 * One change for one principal in one capability (a group of actions with the same transition).
 * - `gain`: from a worse to a better result (not-allowed → allowed, via-iam → allowed,
 *   conditional → allowed with conditions gone, conditional with fewer conditions);
 * - `loss`: the reverse;
 * - `changed`: conditional both times with conditions that neither include the other (it may widen:
 *   the no-new-access gate counts it as a widening).
 */
export interface AccessChange {
  readonly kind: ChangeKind;
  /** AccessRow.id */
  readonly row: string;
  readonly label: string;
  readonly rowKind: RowKind;
  readonly capability: Capability;
  /** The actions (`kms:Decrypt`) with this transition. */
  readonly actions: readonly string[];
  /** Only some of the capability's actions. */
  readonly partial: boolean;
  readonly from: AccessResult;
  readonly to: AccessResult;
  /** Conditions that went away / came (as in AccessCell.conditions). */
  readonly conditionsRemoved: readonly string[];
  readonly conditionsAdded: readonly string[];
  /** The deciding statements: in the new policy for a gain or a change, in the old one for a loss. */
  readonly statements: readonly number[];
  /** For a CloudFormation policy with `Fn::If`: the branches it holds in, `when S3Readers is true`. Absent when it holds in every branch. */
  readonly when?: string;
}

export interface AccessDiff {
  /** Gains first, then changes, then losses; within each, by row then capability. */
  readonly changes: readonly AccessChange[];
  readonly gains: number;
  readonly losses: number;
  readonly changed: number;
  /** What each side could not read: when either is non-empty the diff is partial and says so. */
  readonly unknown: { readonly before: readonly string[]; readonly after: readonly string[] };
  /** Set when there is no old version (a new key) or no new version (a key removed). */
  readonly added?: boolean;
  readonly removed?: boolean;
}

/** A domain spec's intent for the view: capability lists by principal ARN (as the spec writes it). */
export type SpecIntent = ReadonlyMap<string, readonly Capability[]>;
