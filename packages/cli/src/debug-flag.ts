/**
 * `--debug`, accepted anywhere before `--` and by every command, does what
 * DEBUG=ryouiki does: an internal error shows its stack. It is taken out of
 * the arguments before oclif parses them, so no command has to declare it.
 */
export function takeDebugFlag(argv: string[]): { argv: string[]; debug: boolean } {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const rest = end === -1 ? [] : argv.slice(end);
  const kept = options.filter((arg) => arg !== '--debug');
  return { argv: [...kept, ...rest], debug: kept.length !== options.length };
}

/** Whether errors should show their details: --debug, RYOUIKI_DEBUG, or DEBUG naming ryouiki. */
export function debugRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.RYOUIKI_DEBUG) || /(^|,)ryouiki/.test(env.DEBUG ?? '');
}
