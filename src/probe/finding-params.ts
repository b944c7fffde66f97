/**
 * Reading a finding's rule id and params: no dependencies, so modules that load without the probe's
 * packages (k6.ts, which the CLI uses to check flags before it knows hdr-histogram or esbuild is installed)
 * share these with the probes instead of keeping copies.
 */

/** `family/variant` -> its parts; the family alone names the probe. */
export function splitRuleId(ruleId: string): { family: string; variant: string | undefined } {
  const slash = ruleId.indexOf('/');
  return slash < 0 ? { family: ruleId, variant: undefined } : { family: ruleId.slice(0, slash), variant: ruleId.slice(slash + 1) };
}

/** The first of `keys` holding a positive number (or a numeric string); else the stated default. */
export function numberParam(params: Record<string, unknown>, keys: string[], fallback: number): { value: number; defaulted: boolean } {
  for (const key of keys) {
    const value = params[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return { value, defaulted: false };
    if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return { value: Number(value), defaulted: false };
  }
  return { value: fallback, defaulted: true };
}
