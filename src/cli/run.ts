import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so the CLI's shape is fixed.
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('run is not built yet');
    });
}
