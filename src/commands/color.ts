/**
 * Whether a human-readable report on stdout gets ANSI colours: `--color`/`--no-color` win, then
 * `NO_COLOR` (only when non-empty, per no-color.org), then `FORCE_COLOR` (CI logs render colour though
 * stdout is not a TTY; `0` or `false` turns it off), then whether stdout is a terminal.
 */
export function wantsColor(flag: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY;
}
