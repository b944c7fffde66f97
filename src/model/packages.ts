import path from 'node:path';
import { readRegularFile } from '../safe-fs.js';

/**
 * The workspace package a file belongs to (its nearest package.json), and what its manifest says about how its
 * code is started: a `bin`, scripts that run one of its own files (`tsx src/run.ts`), and dependencies that serve
 * requests or run jobs. A package with a command line and nothing that serves (an eval or benchmark harness, a
 * deploy tool) runs its code once per invocation. Manifests are read as data, never executed.
 */

export interface PackageFacts {
  /** Relative to cwd, `/` separators; '' for cwd itself. */
  dir: string;
  name: string;
  /** How the package is started from a command line, when its manifest says so. */
  commandLine?: string;
  /** A dependency that serves requests or runs jobs (express, @nestjs/core, bullmq...), when it has one. */
  serves?: string;
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Dependencies that make a package a server, a serverless handler or a worker, whatever its scripts do. */
const SERVING_DEPENDENCY = /^(express|koa|fastify|hono|restify|polka|micro|elysia|h3|nitropack|egg|@midwayjs\/[\w-]+|@hapi\/hapi|@nestjs\/(core|common|microservices)|next|nuxt|@remix-run\/[\w-]+|@sveltejs\/kit|@trpc\/server|@apollo\/server|apollo-server(-[\w-]+)?|graphql-yoga|socket\.io|ws|@fastify\/[\w-]+|@koa\/router|koa-router|@temporalio\/worker|bullmq|bull|bee-queue|agenda|node-cron|cron|pg-boss|kafkajs|amqplib|sqs-consumer|@aws-sdk\/client-sqs|@types\/aws-lambda|aws-lambda|@middy\/core|serverless|@google-cloud\/functions-framework|firebase-functions|@azure\/functions|@cloudflare\/workers-types|wrangler)$/;

/** A package script that runs one of the package's own files: `tsx src/run.ts`, `node dist/cli.js`, `ts-node scripts/x.ts`. */
const RUNS_OWN_FILE = /(?:^|&&|;|\|\||\s)(tsx|ts-node(?:-esm)?|node|vite-node|bun(?: run)?|esno|esrun|jiti)\s+(?:--?[\w-]+(?:=\S+)?\s+)*(\.\/)?[\w./-]+\.[cm]?[jt]sx?\b/;

export class PackageIndex {
  private readonly byDir = new Map<string, PackageFacts | null>();

  constructor(private readonly cwd: string) {}

  /** The nearest package at or above `file` (relative to cwd), or undefined when none is found inside cwd. */
  packageOf(file: string): PackageFacts | undefined {
    for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
      const key = dir === '.' ? '' : dir;
      const facts = this.read(key);
      if (facts) return facts;
      if (key === '' || dir === '/') return undefined;
    }
  }

  private read(dir: string): PackageFacts | undefined {
    const cached = this.byDir.get(dir);
    if (cached !== undefined) return cached ?? undefined;
    let facts: PackageFacts | undefined;
    const read = readRegularFile(path.join(this.cwd, dir, 'package.json'), MAX_MANIFEST_BYTES);
    if ('text' in read) {
      try {
        facts = factsOf(dir, JSON.parse(read.text) as unknown);
      } catch {
        facts = { dir, name: dir || '.' }; // a broken manifest still bounds its package
      }
    }
    this.byDir.set(dir, facts ?? null);
    return facts;
  }
}

function factsOf(dir: string, manifest: unknown): PackageFacts {
  const json = (manifest && typeof manifest === 'object' ? manifest : {}) as Record<string, unknown>;
  const facts: PackageFacts = { dir, name: typeof json.name === 'string' ? json.name : dir || '.' };
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = json[field];
    if (!deps || typeof deps !== 'object') continue;
    const serving = Object.keys(deps).find((name) => SERVING_DEPENDENCY.test(name));
    if (serving) {
      facts.serves = serving;
      break;
    }
  }
  if (typeof json.bin === 'string' || (json.bin && typeof json.bin === 'object' && Object.keys(json.bin).length > 0)) facts.commandLine = `bin in ${dir || '.'}/package.json`;
  else if (json.scripts && typeof json.scripts === 'object') {
    for (const [name, script] of Object.entries(json.scripts as Record<string, unknown>)) {
      if (typeof script !== 'string') continue;
      const run = RUNS_OWN_FILE.exec(script);
      if (run) {
        facts.commandLine = `script "${name}": ${run[0].trim()}`;
        break;
      }
    }
  }
  return facts;
}
