/** A problem in a rule file, with the place it was found: `Detection[1].Any[0].Condition`. */
export class RuleSyntaxError extends Error {
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}`);
    this.name = 'RuleSyntaxError';
  }
}
