/**
 * A JSON policy that is a region of a bigger file (a CloudFormation JSON template's KeyPolicy, a
 * Terraform heredoc): parsed on a copy of the file where everything outside the region is
 * blanked to spaces (line breaks kept), so every offset is already a host offset and
 * jsonc-parser's own features (getLocation, modify) work on `policy.text` unchanged.
 */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type { Span } from '../policy/model';
import { REMOVED, type TreeNode } from './tree';
import type { ValueRole } from './symbols';

export interface Region {
  readonly text: string;
  readonly root: TreeNode | undefined;
  readonly errors: ParseError[];
}

/**
 * Parses regions of one text: the text is blanked once for all of them (a template with 20 keys
 * blanked it 20 times, 70% of its analysis), and the blank copy lives as long as the parser.
 */
export function regionParser(text: string): (span: Span, as?: string) => Region {
  let blank: string | undefined;
  return (span, as) => parseRegion(text, (blank ??= text.replace(/[^\r\n]/g, ' ')), span, as);
}

/** `as`: the region's text read another way, of the same length (an escaped string's JSON). */
function parseRegion(text: string, blank: string, span: Span, as?: string): Region {
  let before = blank.slice(0, span.start);
  // The region's first line starts at the region: a line break just before it (in place of a
  // blank) keeps the host's text before it out of the indentation that edits detect and copy.
  if (before.length > 0 && !before.endsWith('\n')) before = before.slice(0, -1) + '\n';
  const copy = before + (as !== undefined && as.length === span.end - span.start ? as : text.slice(span.start, span.end)) + blank.slice(span.end);
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(copy, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true });
  } catch {
    root = undefined;
  }
  return { text: copy, root: root as TreeNode | undefined, errors };
}

/**
 * Walks a JSON tree and lets `visit` replace nodes (an intrinsic object by a synthetic string).
 * `principal` is true under Principal / NotPrincipal and under principal-naming condition keys.
 */
export function transformTree(root: TreeNode, visit: (node: TreeNode, principal: ValueRole) => TreeNode | undefined, principalRoot: ValueRole = false): void {
  const stack: { node: TreeNode; principal: ValueRole }[] = [{ node: root, principal: principalRoot }];
  while (stack.length) {
    const { node, principal } = stack.pop()!;
    const children = node.children;
    if (!children) continue;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      let p = principal;
      if (node.type === 'property' && i === 1) p = principal || principalKey(String(node.children?.[0]?.value ?? ''));
      const replaced = node.type === 'property' && i === 0 ? undefined : visit(child, p);
      if (replaced === REMOVED) {
        // `AWS::NoValue`: the element goes (the others keep their positions as written), or the property does.
        if (node.type === 'array') {
          (children as TreeNode[]).forEach((c, k) => (c.index ??= k));
          children.splice(i--, 1);
        } else if (node.type === 'property' && node.parent?.children) {
          node.parent.children.splice(node.parent.children.indexOf(node), 1);
        }
        continue;
      }
      if (replaced) {
        replaced.parent = node;
        children[i] = replaced;
        continue;
      }
      stack.push({ node: child, principal: p });
    }
  }
}

const PRINCIPAL_CONDITION_KEYS = new Set(['aws:principalarn', 'aws:sourcearn', 'aws:principalorgid']);
/** Condition keys whose values are account ids. */
const ACCOUNT_CONDITION_KEYS = new Set(['aws:principalaccount', 'kms:calleraccount', 'aws:sourceaccount', 'aws:resourceaccount', 'aws:sourceowner']);

/** What the value of a property with this name stands for: principals, account ids, or neither. */
export function principalKey(name: string): ValueRole {
  const lower = name.toLowerCase();
  if (ACCOUNT_CONDITION_KEYS.has(lower)) return 'account';
  return name === 'Principal' || name === 'NotPrincipal' || PRINCIPAL_CONDITION_KEYS.has(lower);
}
