import { ts } from '../scanner/ts.js';

/**
 * A metrics sampler: a timer callback whose work is to write a measurement (`gauge.set(...)`,
 * `histogram.observe(...)`, `metrics.gauge('x', n)`, `statsd.timing(...)`). Such an interval is built to run
 * once per process for its whole life; it costs a handful of operations per tick. Only its starter's callers
 * can make it grow, so with none found it is background work, not an unknown per-call leak.
 */

const METRIC_RECEIVER = /(gauge|metric|histogram|counter|meter\b|meters|stats|statsd|telemetry|prom|otel|instrument|summary)/i;
const METRIC_WRITE = /^(set|observe|inc|dec|record|gauge|histogram|timing|distribution|increment|decrement|update|add|labels|startTimer)$/;

/** The first metrics write in `callback` (its text, for evidence), or undefined when it writes none. */
export function metricsWriteIn(callback: ts.Node | undefined): string | undefined {
  if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) return undefined;
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && METRIC_WRITE.test(node.expression.name.text)) {
      const receiver = node.expression.expression.getText();
      if (METRIC_RECEIVER.test(receiver) || builtAsMetric(node.expression.expression)) {
        found = `${receiver}.${node.expression.name.text}()`;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(callback, visit);
  return found;
}

const METRIC_CLASS = /(^|\.)(Gauge|Histogram|Counter|Summary|UpDownCounter|ObservableGauge)$/;

/** `heap` where the module declares `const heap = new Gauge({...})` (prom-client and the like). */
function builtAsMetric(receiver: ts.Expression): boolean {
  if (!ts.isIdentifier(receiver)) return false;
  for (const statement of receiver.getSourceFile().statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== receiver.text) continue;
      const init = declaration.initializer;
      return init !== undefined && ts.isNewExpression(init) && METRIC_CLASS.test(init.expression.getText());
    }
  }
  return false;
}

/**
 * The callback reads a parameter of a function it is written in (`subscribe(topic)` sampling
 * `gauge(\`subscription.${topic}\`)`): it samples one call's values, so each call starts its own sampler.
 */
export function samplesCallValues(callback: ts.Node): boolean {
  const names = new Set<string>();
  for (let current = callback.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) for (const parameter of current.parameters) if (ts.isIdentifier(parameter.name)) names.add(parameter.name.text);
  }
  if (names.size === 0) return false;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && names.has(node.text) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) found = true;
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(callback, visit);
  return found;
}
