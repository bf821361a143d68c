import { isRyouikiError, EXIT_RUNTIME_ERROR } from '@ryouiki/core';

interface OclifErrorShape {
  message?: string;
  code?: string;
  oclif?: { exit?: number };
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}

/** oclif's parse errors carry a multi-line message with a "See more help" tail; keep what it says is wrong. */
function usageMessage(error: OclifErrorShape): string {
  const text = firstLine(error.message ?? 'invalid usage');
  return `${text.replace(/\.$/, '')}: see ryouiki --help`;
}

function isExitRequest(error: unknown): error is { oclif: { exit: number }; code: string } {
  return (error as OclifErrorShape)?.code === 'EEXIT' && typeof (error as OclifErrorShape).oclif?.exit === 'number';
}

/**
 * The one place where an error becomes what a person sees: one line on stderr
 * and the docker/podman exit code. Our own errors carry both; anything else
 * from oclif is a usage error (125); anything unexpected is a bug and keeps
 * its stack when RYOUIKI_DEBUG is set.
 */
export function reportError(error: unknown): number {
  if (isExitRequest(error)) return error.oclif.exit;
  if (isRyouikiError(error)) {
    process.stderr.write(`ryouiki: ${error.message}\n`);
    return error.exitCode;
  }
  const shape = error as OclifErrorShape;
  if (shape?.oclif !== undefined || shape?.code === 'command_not_found') {
    process.stderr.write(`ryouiki: ${usageMessage(shape)}\n`);
    return EXIT_RUNTIME_ERROR;
  }
  const detail = process.env.RYOUIKI_DEBUG ? (error as Error)?.stack : undefined;
  process.stderr.write(`ryouiki: internal error: ${firstLine(String((error as Error)?.message ?? error))} (set RYOUIKI_DEBUG=1 for details)\n`);
  if (detail !== undefined) process.stderr.write(`${detail}\n`);
  return EXIT_RUNTIME_ERROR;
}
