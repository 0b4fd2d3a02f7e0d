/** An error the CLI prints as one line (no stack) before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Exit codes (README "Exit codes"): 0 ok; 1 failed (an account, a login needing a person, a Sophtron
 * error); 2 a bad setting or flag; `import` also uses the data importer's 64–74 (cli/import.ts);
 * 75 refused: the request would spend more Sophtron calls than the month's budget has left
 * (`--over-budget` goes on). 75 is sysexits' "temporary failure": the budget comes back next month.
 */
export const EXIT_OVER_BUDGET = 75;

/** The over-budget refusal as the command line says it: the figures, then how to go on. */
export function overBudgetCliError(err: Error): CliError {
  return new CliError(`${err.message}; add --over-budget to go on`, EXIT_OVER_BUDGET);
}
