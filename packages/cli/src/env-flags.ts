import { Flags } from '@oclif/core';
import { readEnvFile, type EnvList } from '@ryouiki/core/internal';

/** -e and --env-file as podman spells them: variables laid over the container's environment. */
export function envFlags(long: string) {
  return {
    [long]: Flags.string({ char: 'e', description: 'set KEY=VALUE in the environment (KEY alone: its value here, if set); repeatable', multiple: true, multipleNonGreedy: true }),
    'env-file': Flags.string({ description: 'read KEY=VALUE lines from FILE into the environment; repeatable, before -e', multiple: true, multipleNonGreedy: true }),
  };
}

/**
 * The variables of --env-file files, then of -e, in order (a later KEY wins
 * when they are laid over an environment). `-e KEY` takes KEY's value from
 * this process's environment, and is left out when it has none, as podman does.
 */
export function envEntries(files: string[] | undefined, entries: string[] | undefined, host: NodeJS.ProcessEnv = process.env): EnvList {
  const fromFiles = (files ?? []).flatMap((file) => readEnvFile(file));
  const given = (entries ?? []).flatMap((entry) => {
    if (entry.includes('=')) return [entry];
    const value = host[entry];
    return value === undefined ? [] : [`${entry}=${value}`];
  });
  return [...fromFiles, ...given];
}
