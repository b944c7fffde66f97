/** A unified diff (`diff -u` style, 3 lines of context) of one file's text before and after a fix. */

const CONTEXT = 3;

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Line operations turning `a` into `b`: common prefix and suffix, and a longest common subsequence between. */
function lineOps(a: string[], b: string[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const ops: Op[] = a.slice(0, prefix).map((line) => ({ kind: ' ', line }));
  // LCS table over the changed middle only (a fix changes a few lines).
  const rows = midA.length;
  const cols = midB.length;
  const table: Uint32Array[] = Array.from({ length: rows + 1 }, () => new Uint32Array(cols + 1));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      (table[i] as Uint32Array)[j] = midA[i] === midB[j] ? ((table[i + 1] as Uint32Array)[j + 1] as number) + 1 : Math.max((table[i + 1] as Uint32Array)[j] as number, (table[i] as Uint32Array)[j + 1] as number);
    }
  }
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && midA[i] === midB[j]) {
      ops.push({ kind: ' ', line: midA[i] as string });
      i++;
      j++;
    } else if (i < rows && (j === cols || ((table[i + 1] as Uint32Array)[j] as number) >= ((table[i] as Uint32Array)[j + 1] as number))) {
      // Removed lines before added ones, as diff -u writes them.
      ops.push({ kind: '-', line: midA[i] as string });
      i++;
    } else {
      ops.push({ kind: '+', line: midB[j] as string });
      j++;
    }
  }
  for (const line of a.slice(a.length - suffix)) ops.push({ kind: ' ', line });
  return ops;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function unifiedDiff(file: string, before: string, after: string): string {
  const ops = lineOps(splitLines(before), splitLines(after));
  const out: string[] = [`--- a/${file}`, `+++ b/${file}`];
  let index = 0;
  while (index < ops.length) {
    // The next change, with its context, merged with changes less than 2 * CONTEXT lines apart.
    while (index < ops.length && (ops[index] as Op).kind === ' ') index++;
    if (index >= ops.length) break;
    const start = Math.max(0, index - CONTEXT);
    let end = index;
    for (let k = index; k < ops.length; k++) {
      if ((ops[k] as Op).kind !== ' ') end = k;
      else if (k - end > 2 * CONTEXT) break;
    }
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    const hunk = ops.slice(start, stop);
    const oldStart = ops.slice(0, start).filter((op) => op.kind !== '+').length + 1;
    const newStart = ops.slice(0, start).filter((op) => op.kind !== '-').length + 1;
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    index = stop;
  }
  return `${out.join('\n')}\n`;
}
