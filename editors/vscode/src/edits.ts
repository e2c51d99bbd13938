// Next edits as the pied server sends them (pure: no vscode import).

/** The request the pied server answers with {edits: [...]}, best first. */
export const NEXT_EDIT = "pied/nextEdit";
/** Milliseconds of no typing before the next edit is asked for. */
export const NEXT_EDIT_MS = 600;

export interface WireRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface NextEdit {
  uri: string;
  range: WireRange;
  newText: string;
  oldText?: string;
  why?: string;
  source?: string;
  command?: { title: string; command: string; arguments?: unknown[] };
}

/** A one-line preview of an edit's new text, for the decoration and the status item. */
export function preview(edit: NextEdit): string {
  if (edit.newText === "") {
    const gone = (edit.oldText ?? "").split("\n").length;
    return gone > 1 ? `delete these ${gone} lines` : "delete this line";
  }
  const all = edit.newText.replace(/\n$/, "").split("\n");
  const old = edit.oldText === undefined ? [] : edit.oldText.split("\n");
  let kept = 0; // lines kept above an insertion: the added lines are the news
  while (kept < old.length && kept < all.length - 1 && old[kept] === all[kept]) {
    kept++;
  }
  const lines = all.slice(kept);
  const first = (kept > 0 && kept === old.length ? "add " : "") + lines[0].trim();
  return lines.length > 1 ? `${first} … (+${lines.length - 1} lines)` : first;
}

