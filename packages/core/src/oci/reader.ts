import { isAbsolute } from 'node:path';
import { RyouikiError } from '../errors.js';

/**
 * Reads a parsed config.json field by field, each read with the JSON path it
 * came from: a value of the wrong type is an OCI_CONFIG_INVALID error naming
 * that path, and a field Ryouiki does not implement is noted as unsupported.
 */
export class OciReader {
  /** The JSON paths of the fields present that Ryouiki does not implement, in the order met. */
  readonly unsupported: string[] = [];

  constructor(readonly file = 'config.json') {}

  invalid(path: string, message: string): RyouikiError {
    return new RyouikiError('OCI_CONFIG_INVALID', `${this.file}: ${path} ${message}`, {
      problems: [{ path, code: 'OCI_CONFIG_INVALID', message: `${path} ${message}` }],
    });
  }

  /** Notes a field Ryouiki cannot honour, when it holds anything (null, false, "", [] and {} say nothing). */
  unsupportedIfSet(value: unknown, path: string): void {
    if (!isEmpty(value)) this.unsupported.push(path);
  }

  /** unsupportedIfSet for each named field of an object. */
  unsupportedFields(object: Record<string, unknown>, names: string[], path: string): void {
    for (const name of names) this.unsupportedIfSet(object[name], join(path, name));
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.invalid(path, `must be an object, got ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  optionalObject(value: unknown, path: string): Record<string, unknown> | undefined {
    return value === undefined || value === null ? undefined : this.object(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') throw this.invalid(path, `must be a string, got ${describe(value)}`);
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  absolutePath(value: unknown, path: string): string {
    const text = this.string(value, path);
    if (!isAbsolute(text)) throw this.invalid(path, `must be an absolute path, got ${JSON.stringify(text)}`);
    return text;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.invalid(path, `must be true or false, got ${describe(value)}`);
    return value;
  }

  integer(value: unknown, path: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.invalid(path, `must be a whole number, got ${describe(value)}`);
    if (value < min || value > max) throw this.invalid(path, `must be from ${min} to ${max}, got ${value}`);
    return value;
  }

  optionalInteger(value: unknown, path: string, min?: number, max?: number): number | undefined {
    return value === undefined || value === null ? undefined : this.integer(value, path, min, max);
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.invalid(path, `must be a list, got ${describe(value)}`);
    return value;
  }

  stringList(value: unknown, path: string): string[] {
    return this.list(value, path).map((item, index) => this.string(item, `${path}[${index}]`));
  }

  /** An object whose every value is a string (annotations, sysctl, unified). */
  stringMap(value: unknown, path: string): Record<string, string> {
    const object = this.optionalObject(value, path) ?? {};
    const map: Record<string, string> = {};
    for (const [key, item] of Object.entries(object)) map[key] = this.string(item, `${path}[${JSON.stringify(key)}]`);
    return map;
  }
}

export function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}
