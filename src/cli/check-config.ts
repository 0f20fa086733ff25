import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so the CLI's shape is fixed.
export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('check-config is not built yet');
    });
}
