import { Command, Interfaces } from '@oclif/core';
import { splitProgramArgv, type LeadingPositionals } from './program-argv.js';

// oclif's own constraints on parsed flags and args, which it does not export.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FlagOutput = { [name: string]: any };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ArgOutput = { [name: string]: any };

/**
 * A command that runs a program (tenkai, start, run, exec): oclif parses only
 * what comes before the program; the program's arguments are kept as given.
 */
export abstract class ProgramCommand extends Command {
  protected async parseProgram<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(
    input: Interfaces.Input<F, B, A> & { leadingPositionals: LeadingPositionals },
  ): Promise<Interfaces.ParserOutput<F, B, A> & { program: string[] }> {
    const { options, program } = splitProgramArgv(this.argv, (input.flags ?? {}) as never, input.leadingPositionals);
    return { ...(await this.parse(input, options)), program };
  }
}
