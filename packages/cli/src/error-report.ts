import { asRuntimeError, isRyouikiError, EXIT_RUNTIME_ERROR } from '@ryouiki/core/internal';
import { debugRequested } from './debug-flag.js';

interface OclifErrorShape {
  message?: string;
  code?: string;
  oclif?: { exit?: number };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? text
  );
}

const OCLIF_FRAMING = /^(The following errors? occurred:|See more help with --help)$/;

/** oclif's parse errors wrap what is wrong in framing lines; keep the first line that says what is wrong. */
function usageMessage(error: OclifErrorShape): string {
  const lines = (error.message ?? '').split('\n').map((line) => line.trim());
  const text = lines.find((line) => line !== '' && !OCLIF_FRAMING.test(line)) ?? 'invalid usage';
  // An unknown command comes with the words after it joined by ':' (oclif's topic separator): name the command alone.
  const command = text.replace(/^command ([^:\s]+):\S* not found$/, 'command $1 not found');
  return `${command.replace(/\.$/, '')}: see ryouiki --help`;
}

function isExitRequest(error: unknown): error is { oclif: { exit: number }; code: string } {
  return (error as OclifErrorShape)?.code === 'EEXIT' && typeof (error as OclifErrorShape).oclif?.exit === 'number';
}

/**
 * The one place where an error becomes what a person sees: one line on stderr
 * and the docker/podman exit code. Our own errors carry both; anything else
 * from oclif is a usage error (125); anything unexpected is a bug and keeps
 * its stack when --debug, RYOUIKI_DEBUG or DEBUG=ryouiki* is given.
 */
export function reportError(thrown: unknown): number {
  if (isExitRequest(thrown)) return thrown.oclif.exit;
  const error = asRuntimeError(thrown);
  if (isRyouikiError(error)) {
    process.stderr.write(`ryouiki: ${error.message}\n`);
    return error.exitCode;
  }
  const shape = error as OclifErrorShape;
  if (shape?.oclif !== undefined || shape?.code === 'command_not_found') {
    process.stderr.write(`ryouiki: ${usageMessage(shape)}\n`);
    return EXIT_RUNTIME_ERROR;
  }
  const detail = debugRequested() ? (error as Error)?.stack : undefined;
  process.stderr.write(`ryouiki: internal error: ${firstLine(String((error as Error)?.message ?? error))} (run with --debug for details)\n`);
  if (detail !== undefined) process.stderr.write(`${detail}\n`);
  return EXIT_RUNTIME_ERROR;
}
