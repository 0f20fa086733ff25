import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so the CLI's shape is fixed.
export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('scan is not built yet');
    });
}
