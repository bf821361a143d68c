import { Flags } from '@oclif/core';
import { OCI_VERSION } from '@ryouiki/core/internal';
import { JsonCommand } from '../json-command.js';

export interface VersionInfo {
  Version: string;
  OciVersion: string;
  NodeVersion: string;
  OsArch: string;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386' };

export default class Version extends JsonCommand {
  static override summary = 'Show the version of ryouiki (also ryouiki -v).';
  static override examples = ['<%= config.bin %> version'];
  static override flags = {
    short: Flags.boolean({ description: 'only the line ryouiki -v prints: ryouiki version X.Y.Z' }),
  };

  override async run(): Promise<VersionInfo> {
    const { flags } = await this.parse(Version);
    const info = { Version: this.config.version, OciVersion: OCI_VERSION, NodeVersion: process.version, OsArch: `${process.platform}/${GO_ARCH[process.arch] ?? process.arch}` };
    if (this.jsonEnabled()) return info;
    process.stdout.write(
      flags.short ? `ryouiki version ${info.Version}\n` : `Version:      ${info.Version}\nOCI spec:     ${info.OciVersion}\nNode.js:      ${info.NodeVersion}\nOS/Arch:      ${info.OsArch}\n`,
    );
    return info;
  }
}
