import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, removeProjects, runCli } from './cli-project.js';

afterAll(removeProjects);

// Classes, locals, fields and exports named like members of Object.prototype.
const source = `import axios from 'axios';

class toString {
  constructor(private readonly http = axios.create()) {}
  async getConfig() { return this.http.get('/config'); }
}

const factories: Record<string, { constructor: new () => { getConfig(): Promise<unknown> } }> = {};

export async function loadAll(kind: string) {
  const { constructor } = factories[kind]!;
  const instance = new constructor();
  const a = await instance.getConfig();
  const b = await new toString().getConfig();
  return [a, b];
}

export const hasOwnProperty = (x: object) => Object.keys(x).length;
export function __proto__() { return valueOf(); }
function valueOf() { return 1; }
`;

describe('names from scanned code that Object.prototype also has', () => {
  it('are looked up as themselves, cold and from the summary cache', () => {
    const dir = project({ 'package.json': '{"dependencies":{"axios":"1"}}', 'src/factories.ts': source });
    const scan = () => runCli(dir, 'scan', '.', '--format', 'json', '--fail-on', 'none', '--cache-location', path.join(dir, '.cache'));
    const runs = [scan(), scan()];
    for (const run of runs) {
      expect(run.stderr).not.toContain('internal error');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; line: number }>; errors: unknown[] };
      expect(report.errors).toEqual([]);
      // The two getConfig calls: one on a local named `constructor`, one on the class `toString`.
      expect(report.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['sequential-await/consecutive:13']);
    }
  });
});
