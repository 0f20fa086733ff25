import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so the CLI's shape is fixed.
export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('rules is not built yet');
    });
}
