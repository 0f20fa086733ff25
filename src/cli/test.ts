import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so the CLI's shape is fixed.
export function registerTest(program: Command): void {
  program
    .command('test')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('test is not built yet');
    });
}
