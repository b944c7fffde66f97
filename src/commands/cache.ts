import path from 'node:path';
import { Command } from 'commander';
import { AnalysisCache, defaultCacheDir } from '../scanner/cache.js';
import { clearModelCaches } from '../model/summary-cache.js';
import { EXIT_OK, type Io } from './io.js';

export function cacheCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('cache').description('Manage the results cache');
  command
    .command('clear')
    .description('Delete the results cache')
    .option('--cache-location <dir>', 'the cache directory (default: node_modules/.cache/bottleneck, else ~/.cache/bottleneck/<hash>)')
    .action((flags: { cacheLocation?: string }) => {
      const dir = path.resolve(io.cwd, flags.cacheLocation ?? defaultCacheDir(io.cwd, io.env));
      const findings = AnalysisCache.clear(dir);
      const model = clearModelCaches(dir);
      io.stdout(findings || model ? `Cleared the cache in ${dir}\n` : `No cache in ${dir}\n`);
      setExit(EXIT_OK);
    });
  return command;
}
