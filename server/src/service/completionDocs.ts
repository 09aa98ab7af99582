/**
 * Completion documentation sent through `completionItem/resolve` instead of with every item, for
 * clients that say they resolve it (VS Code does: `completionItem.resolveSupport.properties`
 * includes "documentation"). A list of every KMS action carries about 60 markdown pages; the
 * client shows one, for the selected item. Clients that do not resolve get it with the items.
 *
 * The documentation of the last list is kept (strings the service caches anyway) and each item
 * carries its place in it; an item of an older list resolves to itself. Small and free of the
 * language service, so the LSP shell can hold it before the service is loaded.
 */
import type { CompletionItem, CompletionList } from 'vscode-languageserver-types';

/** What a deferred item carries in `data`: the list it came from and its place in it. */
interface DocRef {
  readonly kmsDoc: readonly [list: number, index: number];
}

export class DeferredDocumentation {
  private list = 0;
  private docs: CompletionItem['documentation'][] = [];

  /** The list with each item's documentation taken out, to be resolved later. */
  defer(result: CompletionList): CompletionList {
    const list = ++this.list;
    this.docs = [];
    const items = result.items.map((item) => {
      if (item.documentation === undefined || item.data !== undefined) return item;
      const { documentation, ...rest } = item;
      const ref: DocRef = { kmsDoc: [list, this.docs.length] };
      this.docs.push(documentation);
      return { ...rest, data: ref };
    });
    return { ...result, items };
  }

  /** The item with its documentation back, when it comes from the last list. */
  resolve(item: CompletionItem): CompletionItem {
    const ref = (item.data as Partial<DocRef> | undefined)?.kmsDoc;
    if (!Array.isArray(ref) || ref[0] !== this.list || !(ref[1] in this.docs)) return item;
    return { ...item, documentation: this.docs[ref[1]] };
  }
}
