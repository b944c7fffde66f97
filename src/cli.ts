import { Command, CommanderError } from 'commander';
import { isKnownError } from './errors.js';
import { EXIT_ERROR, EXIT_OK, type Io } from './commands/io.js';
import { TOOL_NAME, toolVersion } from './version.js';

const EXAMPLES = `
Examples:
  $ bottleneck scan                          scan the current directory
  $ bottleneck scan src lib --fail-on high   fail (exit 1) on high or critical findings
  $ bottleneck scan --format json --output bottleneck.json
  $ bottleneck scan --rule sequential-await --exclude "**/*.test.ts"
  $ bottleneck rules                         list the rules
  $ bottleneck rules uncleared-timer         show one rule's documentation
  $ bottleneck init                          write a commented .bottleneckrc.yaml
  $ bottleneck compare a.json b.json         per finding, a fix's effect measured in your service

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, config or internal error.`;

type SetExit = (code: number) => void;

/**
 * The commands, in the order help lists them, each loaded only when built: a run loads the code of the one
 * command it names (`scan` does not load probe's, compare's or init's code and options), while help, an
 * unknown or misspelt command and `help <command>` build them all, so their output is what it always was.
 */
const COMMANDS: ReadonlyArray<[name: string, build: (io: Io, setExit: SetExit) => Promise<Command>]> = [
  ['scan', async (io, setExit) => (await import('./commands/scan.js')).scanCommand(io, setExit, EXAMPLES)],
  ['rules', async (io, setExit) => (await import('./commands/rules.js')).rulesCommand(io, setExit)],
  ['probe', async (io, setExit) => (await import('./commands/probe.js')).probeCommand(io, setExit)],
  ['cache', async (io, setExit) => (await import('./commands/cache.js')).cacheCommand(io, setExit)],
  ['merge', async (io, setExit) => (await import('./commands/merge.js')).mergeCommand(io, setExit)],
  ['explain', async (io, setExit) => (await import('./commands/explain.js')).explainCommand(io, setExit)],
  ['init', async (io, setExit) => (await import('./commands/init.js')).initCommand(io, setExit)],
  ['compare', async (io, setExit) => (await import('./commands/compare.js')).compareCommand(io, setExit)],
];

/** The commands `argv` needs: the one it names, none for a bare `--version`, else all of them. */
function commandsFor(argv: readonly string[]): typeof COMMANDS {
  if (argv.length === 1 && (argv[0] === '-v' || argv[0] === '--version')) return [];
  // The root takes no option with a value, so the first word not starting with '-' is the command.
  const named = argv.find((arg) => !arg.startsWith('-'));
  const command = COMMANDS.find(([name]) => name === named);
  return command ? [command] : COMMANDS;
}

export async function buildProgram(io: Io, setExit: SetExit, argv?: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name(TOOL_NAME)
    .description('Find performance bottlenecks in Node.js/TypeScript code, explain them and suggest the fix.')
    .version(toolVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // Subcommands inherit exitOverride and output only when added after configuring the parent.
  const commands = await Promise.all((argv ? commandsFor(argv) : COMMANDS).map(([, build]) => build(io, setExit)));
  for (const command of commands) {
    program.addCommand(command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }));
  }
  return program;
}
/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode = EXIT_OK;
  let fatal = false;
  const setExit = (code: number) => {
    if (!fatal) exitCode = code;
  };
  const debug = argv.includes('--debug');
  try {
    await (await buildProgram(io, setExit, argv)).parseAsync(argv, { from: 'user' });
  } catch (error) {
    fatal = true;
    if (error instanceof CommanderError) {
      // Help and version exit through here with code 0; everything else is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    if (isKnownError(error)) {
      io.stderr(`${TOOL_NAME}: ${error.message}\n`);
      if (debug && error.stack) io.stderr(`${error.stack}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`${TOOL_NAME}: internal error: ${message}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
      if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    }
    return EXIT_ERROR;
  }
  return exitCode;
}

/** Entry for `bin/bottleneck.js`: wires the process and sets `process.exitCode` (never `process.exit`). */
export async function run(): Promise<void> {
  let outputFailed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A reader that closes the pipe early (`| head`) is not an error.
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    // Anything else (a full disk behind `> file`) means the report is lost: one line and exit 2, whether
    // this arrives before or after main() returns.
    if (!outputFailed) process.stderr.write(`${TOOL_NAME}: cannot write to stdout: ${error.message}\n`);
    outputFailed = true;
    process.exitCode = EXIT_ERROR;
  });
  const code = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
  });
  process.exitCode = outputFailed ? EXIT_ERROR : code;
}
