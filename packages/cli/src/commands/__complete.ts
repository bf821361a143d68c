import { Command } from '@oclif/core';
import { completions } from '../completion.js';
import { COMMANDS } from '../main.js';

/** What the scripts of `ryouiki completion` call for each word: one candidate a line. */
export default class Complete extends Command {
  static override hidden = true;
  static override summary = 'Print the completions of a command line (for the scripts of ryouiki completion).';
  static override strict = false;

  override async run(): Promise<void> {
    const { argv } = await this.parse(Complete);
    const candidates = await completions(argv as string[], COMMANDS);
    process.stdout.write(candidates.map((candidate) => `${candidate}\n`).join(''));
  }
}
