import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so the CLI's shape is fixed.
export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('parse is not built yet');
    });
}
