import type { ImportScope } from '../scanner/imports.js';
import type { ProjectFacts } from '../scanner/project-facts.js';

/**
 * Code that runs in a browser or a desktop shell serves one user: a slow sequence costs that user's wait,
 * never a server's capacity, and its "I/O" is often local storage. Front-end by its file type, its imports,
 * or a package that depends on a UI framework and on no server framework.
 */

const UI_MODULES = /^(react|react-dom|preact|vue|svelte|solid-js|@angular\/core|react-native|@tauri-apps\/[\w-]+|@capacitor\/[\w-]+|@ionic\/[\w-]+)$/;
const SERVER_MODULES = /^(express|@nestjs\/core|fastify|koa|@hapi\/hapi|hono|next|nuxt|@remix-run\/node|restify|egg|@sveltejs\/kit|@trpc\/server|apollo-server|@apollo\/server)$/;

/** DOM globals and element types: only a browser has them. */
const DOM_USE = /\b(document|window|navigator)\.[A-Za-z]|\bHTML[A-Za-z]*Element\b|\b(localStorage|sessionStorage)\b/;

/** `text`: the file's source, when the caller wants DOM use counted as front-end too. */
export function frontEndReason(file: string, imports: ImportScope, project: ProjectFacts, text?: string): string | undefined {
  if (/\.(tsx|jsx)$/i.test(file)) return `${file} is a component file (.tsx/.jsx)`;
  if (text !== undefined && DOM_USE.test(text)) return 'uses DOM globals (document, window, HTML elements, web storage): browser code';
  for (const module of imports.importedModules()) if (UI_MODULES.test(module)) return `imports ${module}: front-end code`;
  const dependencies = Object.keys(project.dependencies);
  const ui = dependencies.find((name) => UI_MODULES.test(name));
  if (ui && !dependencies.some((name) => SERVER_MODULES.test(name))) return `its package depends on ${ui} and on no server framework: front-end code`;
  return undefined;
}
