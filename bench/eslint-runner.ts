/** ESLint with the typescript-eslint parser and only `no-await-in-loop`: the comparison the README quotes. */
import { ESLint } from 'eslint';
import parser from '@typescript-eslint/parser';

const dir = process.argv[2];
if (!dir) throw new Error('usage: eslint-runner <dir>');
const eslint = new ESLint({
  cwd: dir,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
      ignores: ['**/node_modules/**', '**/*.d.ts', '**/dist/**', '**/build/**'],
      languageOptions: { parser },
      rules: { 'no-await-in-loop': 'error' },
    },
  ],
  cache: false,
});
const results = await eslint.lintFiles(['.']);
const problems = results.reduce((sum, r) => sum + r.errorCount, 0);
process.stdout.write(`${results.length} files, ${problems} no-await-in-loop reports\n`);
