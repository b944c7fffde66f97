import { ts } from '../scanner/ts.js';
import { TreeMemo } from './tree-memo.js';
import type { ImportScope } from '../scanner/imports.js';
import type { ProjectFacts } from '../scanner/project-facts.js';

/**
 * Code that runs in a browser or a desktop shell serves one user: a slow sequence costs that user's wait,
 * never a server's capacity, and its "I/O" is often local storage. Front-end by its file type, its imports,
 * or a package that depends on a UI framework and on no server framework.
 */

const UI_MODULES = /^(react|react-dom|preact|vue|svelte|solid-js|@angular\/core|react-native|@tauri-apps\/[\w-]+|@capacitor\/[\w-]+|@ionic\/[\w-]+)$/;
const SERVER_MODULES = /^(express|@nestjs\/core|fastify|koa|@hapi\/hapi|hono|next|nuxt|@remix-run\/node|restify|egg|@sveltejs\/kit|@trpc\/server|apollo-server|@apollo\/server)$/;

/** Database drivers, ORMs, queue clients and the `server-only` marker: a package that depends on one is server code. */
const SERVER_DATA_MODULES = /^(server-only|@prisma\/client|pg|pg-promise|postgres|mysql2|mariadb|mongodb|mongoose|typeorm|knex|sequelize|drizzle-orm|kysely|ioredis|redis|bullmq|bull|bee-queue|amqplib|kafkajs|nodemailer|better-sqlite3|sqlite3)$/;

/** DOM globals and element types: only a browser has them. */
const DOM_USE = /\b(document|window|navigator)\.[A-Za-z]|\bHTML[A-Za-z]*Element\b|\b(localStorage|sessionStorage)\b/;
/** A browser-automation script (Playwright, Puppeteer): it names the DOM in functions it hands a page, and runs in Node. */
const AUTOMATION_IMPORT = /\bfrom\s+['"](playwright|playwright-core|@playwright\/test|puppeteer|puppeteer-core)['"]|require\(\s*['"](playwright|playwright-core|puppeteer|puppeteer-core)['"]\s*\)/;

/** `text`: the file's source, when the caller wants DOM use counted as front-end too. */
export function frontEndReason(file: string, imports: ImportScope, project: ProjectFacts, text?: string): string | undefined {
  if (/\.(tsx|jsx)$/i.test(file)) return `${file} is a component file (.tsx/.jsx)`;
  // A browser-automation script names the DOM inside the functions it hands the page; it runs in Node itself.
  if (text !== undefined && DOM_USE.test(text) && !AUTOMATION_IMPORT.test(text)) return 'uses DOM globals (document, window, HTML elements, web storage): browser code';
  for (const module of imports.importedModules()) if (UI_MODULES.test(module)) return `imports ${module}: front-end code`;
  const role = packageRole(project);
  return role?.role === 'browser' ? role.reason : undefined;
}

export interface PackageRole {
  role: 'server' | 'browser' | 'cli';
  reason: string;
}

/** Argument parsers of command-line tools. */
const CLI_FRAMEWORKS = /^(commander|yargs|cac|meow|@oclif\/core|oclif|clipanion|citty|sade|minimist|ink)$/;

/** Bundlers and dev servers that build pages for a browser. */
const BROWSER_TOOLS = /^(vite|@vitejs\/[\w-]+|webpack-dev-server|html-webpack-plugin|parcel|@parceljs\/[\w-]+|@sveltejs\/vite-plugin-svelte)$/;

/**
 * What the package a file belongs to is, from its package.json and the files at its root (one answer per package
 * of a monorepo): a server (it depends on a server framework), a browser app (a UI framework, a page bundler, a
 * `browser` field or a bundler config, and no server framework), or a CLI (a `bin` command, an argument parser and no
 * server framework). Undefined when nothing says.
 */
export function packageRole(project: ProjectFacts): PackageRole | undefined {
  const dependencies = Object.keys(project.dependencies);
  const server = dependencies.find((name) => SERVER_MODULES.test(name));
  if (server) return { role: 'server', reason: `its package depends on ${server}, a server framework` };
  // A shared library of a monorepo that talks to a database or a queue (or says `server-only`) runs on the server,
  // whatever UI kit it also renders emails or PDFs with; its .tsx files are still judged as components.
  const data = dependencies.find((name) => SERVER_DATA_MODULES.test(name));
  if (data) return { role: 'server', reason: `its package depends on ${data}, which only runs on a server` };
  const ui = dependencies.find((name) => UI_MODULES.test(name));
  if (ui) return { role: 'browser', reason: `its package depends on ${ui} and on no server framework: front-end code` };
  const tool = dependencies.find((name) => BROWSER_TOOLS.test(name));
  if (project.browserBuild) return { role: 'browser', reason: `${project.browserBuild} and no server framework: front-end code` };
  if (tool) return { role: 'browser', reason: `its package builds pages with ${tool} and depends on no server framework: front-end code` };
  const cli = dependencies.find((name) => CLI_FRAMEWORKS.test(name));
  if (project.cliBin && cli) return { role: 'cli', reason: `its package is a command-line tool (package.json bin: ${project.cliBin}, ${cli}) with no server framework: each command runs once` };
  return undefined;
}

/**
 * Browser-automation calls whose function argument is serialised and run inside the page, not in Node, with the
 * index of that argument (`frame.$eval(selector, fn)`).
 */
const PAGE_CALLS = new Map([['evaluate', 0], ['evaluateHandle', 0], ['evaluateOnNewDocument', 0], ['addInitScript', 0], ['waitForFunction', 0], ['$eval', 1], ['$$eval', 1]]);
const PAGE_RECEIVER = /(page|frame|tab|popup|target)$/i;
const namesHandedToPage = new TreeMemo<Map<string, string>>();

/**
 * The function `node` is in runs inside a browser page: it is handed to `page.evaluate(...)`, `frame.$eval(sel,
 * fn)`, `page.addInitScript(fn)` (Playwright, Puppeteer), written there or by name (`page.evaluate(autoScroll,
 * 30)` in the same file). Its timers and fetches are the page's, gone when the page closes. The call's method,
 * and a page-like receiver or a browser-automation import in the file, decide it.
 */
export function inBrowserPage(node: ts.Node): string | undefined {
  const sourceFile = node.getSourceFile();
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    const inline = ts.isArrowFunction(current) || ts.isFunctionExpression(current) ? pageCallHanding(current, sourceFile) : undefined;
    if (inline) return `${inline}(...) runs this function inside the browser page`;
    const name = declaredName(current);
    const byName = name !== undefined ? pageHandedNames(sourceFile).get(name) : undefined;
    if (byName) return `${byName}(${name}, ...) runs ${name} inside the browser page`;
  }
  return undefined;
}

/** The page call (`page.evaluate`) `argument` is the page function of, when it is one. */
function pageCallHanding(argument: ts.Expression, sourceFile: ts.SourceFile): string | undefined {
  const call = argument.parent;
  if (!call || !ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const index = PAGE_CALLS.get(call.expression.name.text);
  if (index === undefined || call.arguments[index] !== argument) return undefined;
  const receiver = call.expression.expression;
  const receiverName = ts.isIdentifier(receiver) ? receiver.text : ts.isPropertyAccessExpression(receiver) ? receiver.name.text : '';
  return PAGE_RECEIVER.test(receiverName) || AUTOMATION_IMPORT.test(sourceFile.text) ? call.expression.getText(sourceFile) : undefined;
}

/** Names a file hands to page calls (`page.evaluate(autoScroll, 30)`), with the call; one walk per file. */
function pageHandedNames(sourceFile: ts.SourceFile): Map<string, string> {
  const memo = namesHandedToPage.of(sourceFile);
  let names = memo.get(sourceFile);
  if (!names) {
    const found = new Map<string, string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && !found.has(node.text)) {
        const call = pageCallHanding(node, sourceFile);
        if (call) found.set(node.text, call);
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    names = found;
    memo.set(sourceFile, names);
  }
  return names;
}

/** `function autoScroll() {}`, `const autoScroll = async () => {}`: the name a function is declared under. */
function declaredName(node: ts.Node): string | undefined {
  if (ts.isFunctionDeclaration(node)) return node.name?.text;
  if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  return undefined;
}
