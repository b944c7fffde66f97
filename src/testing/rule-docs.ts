/** Reads a rule's markdown doc: its headings and the code examples under `### Incorrect` / `### Correct`. */
export const REQUIRED_HEADINGS = ['Why this is slow', 'Examples', 'Options', 'When not to use it'] as const;

export interface DocExample {
  kind: 'incorrect' | 'correct';
  code: string;
  /** From the fence info string: ```ts file=src/api/orders.ts node=18 */
  file: string | undefined;
  nodeMajor: number | undefined;
  /** 1-based line of the opening fence in the doc. */
  line: number;
}

export interface ParsedRuleDoc {
  title: string | undefined;
  headings: string[];
  examples: DocExample[];
}

export function parseRuleDoc(markdown: string): ParsedRuleDoc {
  const lines = markdown.split('\n');
  const headings: string[] = [];
  const examples: DocExample[] = [];
  let title: string | undefined;
  let section: 'incorrect' | 'correct' | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    if (heading) {
      const level = heading[1]?.length ?? 0;
      const text = heading[2] ?? '';
      if (level === 1) title = text;
      if (level === 2) {
        headings.push(text);
        section = undefined;
      }
      if (level === 3) section = /^incorrect/i.test(text) ? 'incorrect' : /^correct/i.test(text) ? 'correct' : undefined;
      continue;
    }
    const fence = /^```(\w+)?(.*)$/.exec(line);
    if (fence) {
      const info = fence[2] ?? '';
      const body: string[] = [];
      const start = i + 1;
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
      const language = fence[1] ?? '';
      if (section && /^(ts|tsx|js|jsx|typescript|javascript)$/.test(language)) {
        const file = /\bfile=(\S+)/.exec(info)?.[1];
        const node = /\bnode=(\d+)/.exec(info)?.[1];
        examples.push({ kind: section, code: body.join('\n'), file, nodeMajor: node ? Number(node) : undefined, line: start });
      }
    }
  }
  return { title, headings, examples };
}
