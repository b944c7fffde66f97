import { afterAll, describe, expect, it } from 'vitest';
import { project, removeProjects, runCli as run } from './cli-project.js';

afterAll(removeProjects);

/**
 * A call written above the function it calls is a call of that function: function declarations are hoisted,
 * and a `const f = () => ...` or an object's method declared further down is initialised before any caller's
 * body runs. Before, such calls linked to nothing, so the callee had no caller and no role (a script's helpers
 * below main() looked like code of unknown frequency, a route's helpers below the route like dead code).
 */
const files = {
  'package.json': JSON.stringify({ name: 'hoisting', private: true, dependencies: { express: '4', axios: '1' } }),
  'src/routes.ts': `import express from 'express';
import axios from 'axios';
const app = express();
app.get('/quotes/:id', async (req, res) => {
  res.json(await quote(req.params.id));
});
async function quote(id: string) {
  return (await axios.get(\`https://quotes.example.com/\${id}\`)).data;
}
`,
  'src/tool.ts': `import axios from 'axios';
async function main() {
  await step(1);
  await helpers.finish();
}
const step = async (n: number) => axios.post('https://example.com/step', { n });
const helpers = {
  async finish() {
    await axios.post('https://example.com/done');
  },
};
main();
`,
};

function roleAt(dir: string, location: string): { role: string; roleReason: string } {
  const { code, stdout } = run(dir, 'explain', location, '--format', 'json');
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { function: { role: string; roleReason: string } }).function;
}

describe('calls of functions declared further down the file', () => {
  it('links a route handler to a helper declared below it', () => {
    const dir = project(files);
    const fn = roleAt(dir, 'src/routes.ts:8');
    expect(fn.role).toBe('request');
    expect(fn.roleReason).toMatch(/called from <anonymous>@4:\d+ \(src\/routes\.ts:5\)/);
  });

  it("links main() to a const arrow function and an object's method declared after it", () => {
    const dir = project(files);
    expect(roleAt(dir, 'src/tool.ts:6')).toMatchObject({ role: 'once', roleReason: expect.stringMatching(/called from main \(src\/tool\.ts:3\)/) });
    expect(roleAt(dir, 'src/tool.ts:9')).toMatchObject({ role: 'once', roleReason: expect.stringMatching(/called from main \(src\/tool\.ts:4\)/) });
  });
});
