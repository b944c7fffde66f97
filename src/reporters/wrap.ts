/**
 * Plain-text layout for the terminal reporter: word wrapping and code lines cut into display pieces.
 * Everything here works on text without ANSI codes; colour is applied after the layout.
 */
import { escapeControls } from './escape.js';

/** Columns a string takes (one per code point; the reporters print no double-width text of their own). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const _ of text) width += 1;
  return width;
}

/** Cuts `text` into a hard-broken head of at most `width` code points and the rest. */
function splitAt(text: string, width: number): [string, string] {
  const chars = [...text];
  return [chars.slice(0, width).join(''), chars.slice(width).join('')];
}

/**
 * Wraps prose to `width` columns at spaces; a word longer than a whole line is the only thing ever cut.
 * Newlines in the text start new lines; runs of spaces between words collapse to one.
 */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  const limit = Math.max(1, width);
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(/ +/).filter((w) => w !== '')) {
      if (line && displayWidth(line) + 1 + displayWidth(word) <= limit) {
        line += ` ${word}`;
        continue;
      }
      if (line) out.push(line);
      line = '';
      while (displayWidth(word) > limit) {
        const [head, rest] = splitAt(word, limit);
        out.push(head);
        word = rest;
      }
      line = word;
    }
    out.push(line);
  }
  return out;
}

/**
 * Wraps prose under a label: `label` then the text, continuation lines indented to where the text began
 * (`= why: the loop ...` / `         continues here`). Falls back to a plain indent when the label would
 * leave too little room.
 */
export function hangingWrap(label: string, text: string, width: number): string[] {
  const labelWidth = displayWidth(label);
  const hang = width - labelWidth >= 30 ? labelWidth : Math.min(labelWidth, 4);
  const lines = wrapWords(text, width - hang);
  const first = lines[0] ?? '';
  if (hang === labelWidth) return lines.map((line, i) => (i === 0 ? label + line : ' '.repeat(hang) + line));
  // Narrow: the label on its own line when the first words do not fit beside it.
  const beside = wrapWords(text, width - labelWidth)[0] ?? '';
  if (beside === first) return lines.map((line, i) => (i === 0 ? label + line : ' '.repeat(hang) + line));
  return [label.trimEnd(), ...lines.map((line) => ' '.repeat(hang) + line)];
}

/**
 * One source line as display pieces: each UTF-16 unit of the original maps to the text it prints as
 * (control characters as visible escapes, a tab as two spaces, the second half of a surrogate pair as
 * nothing), so a column in the source maps to a column on screen.
 */
export function codePieces(line: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < line.length; i += 1) {
    const code = line.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < line.length) {
      pieces.push(line.slice(i, i + 2), '');
      i += 1;
    } else if (line[i] === '\t') {
      pieces.push('  ');
    } else {
      pieces.push(escapeControls(line[i] as string));
    }
  }
  return pieces;
}

/** A row of a wrapped code line: pieces [start, end) of the line, printed after `indent` spaces. */
export interface CodeRow {
  start: number;
  end: number;
  indent: number;
}

/**
 * Cuts a code line into rows of at most `width` columns, after a space where one falls in the last two
 * thirds of the row (so an identifier is not split), else exactly at the width. Continuation rows are
 * indented four columns past the line's own indentation, as an editor's soft wrap shows them.
 */
export function wrapCode(pieces: string[], width: number): CodeRow[] {
  const limit = Math.max(1, width);
  let leading = 0;
  while (leading < pieces.length && pieces[leading] !== undefined && (pieces[leading] as string).trim() === '' && pieces[leading] !== '') leading += 1;
  const hang = Math.min(piecesWidth(pieces, 0, leading) + 4, Math.floor(limit / 2));
  const rows: CodeRow[] = [];
  let start = 0;
  while (start < pieces.length || rows.length === 0) {
    const indent = rows.length === 0 ? 0 : hang;
    let used = indent;
    let end = start;
    while (end < pieces.length && used + displayWidth(pieces[end] as string) <= limit) {
      used += displayWidth(pieces[end] as string);
      end += 1;
    }
    if (end === start && end < pieces.length) end += 1; // one piece wider than the row
    if (end < pieces.length) {
      for (let k = end - 1; k > start + Math.floor((end - start) / 3); k -= 1) {
        if (pieces[k] === ' ') {
          end = k + 1;
          break;
        }
      }
    }
    rows.push({ start, end, indent });
    if (end >= pieces.length) break;
    start = end;
    // A continuation row does not start with the space it was cut after.
    while (start < pieces.length - 1 && pieces[start] === ' ') start += 1;
  }
  return rows;
}

/** Display columns of pieces [from, to). */
export function piecesWidth(pieces: string[], from: number, to: number): number {
  let width = 0;
  for (let k = Math.max(0, from); k < Math.min(to, pieces.length); k += 1) width += displayWidth(pieces[k] as string);
  return width;
}
