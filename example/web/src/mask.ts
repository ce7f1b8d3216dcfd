// Update masks: an edit sends only the fields the user changed.

// BookEdit is what the edit form holds.
export interface BookEdit {
  title: string;
  state: number;
  isbn: bigint;
  tags: string[];
}

// changedPaths lists, as update_mask paths, the fields of after that
// differ from before.
export function changedPaths(before: BookEdit, after: BookEdit): string[] {
  const paths: string[] = [];
  if (before.title !== after.title) paths.push("title");
  if (before.state !== after.state) paths.push("state");
  if (before.isbn !== after.isbn) paths.push("isbn");
  if (before.tags.length !== after.tags.length || before.tags.some((t, i) => t !== after.tags[i])) {
    paths.push("tags");
  }
  return paths;
}

// parseTags reads a comma-separated list, dropping blanks.
export function parseTags(s: string): string[] {
  return s.split(",").map((t) => t.trim()).filter((t) => t !== "");
}

const maxUint64 = (1n << 64n) - 1n;

// parseIsbn reads an ISBN-13 as the number the API carries; blank is 0.
export function parseIsbn(s: string): bigint | string {
  const t = s.replace(/[\s-]/g, "");
  if (t === "") return 0n;
  if (!/^\d+$/.test(t)) return "digits only";
  const n = BigInt(t);
  if (n > maxUint64) return "too large";
  return n;
}
