import { Command } from '@oclif/core';

/**
 * A command with oclif's --json. With --json, oclif would print an error as
 * JSON on stdout and exit 1 for a usage error; a JsonCommand's errors go where
 * every command's go instead: one line on stderr and their exit code, by
 * reportError. stdout then holds either the result or nothing.
 */
export abstract class JsonCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(error: Error): Promise<never> {
    throw error;
  }
}
