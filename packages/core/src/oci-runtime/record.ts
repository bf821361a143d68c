import type { ResourceRecord } from '../store/container-state.js';
import type { LaunchRecorder } from '../launch/record.js';
import type { OciBundle } from '../oci/bundle.js';
import { processIdentity, type ProcessIdentity } from '../store/proc-identity.js';
import type { ContainerSpec } from '../spec/spec.js';
import { createRecordFolder, removeContainerFolder, writeRecord, type OciRecord } from './store.js';

/** ryouiki-runtime's layout of the store: `<root>/<id>/state.json`, as engines expect an OCI runtime's. */
export class OciRecorder implements LaunchRecorder {
  private readonly state: OciRecord;

  constructor(
    private readonly root: string,
    id: string,
    bundle: OciBundle,
  ) {
    this.state = {
      id,
      ociVersion: bundle.spec.ociVersion,
      bundle: bundle.bundleDir,
      annotations: bundle.annotations,
      spec: bundle.spec,
      hooks: bundle.hooks,
      created: new Date().toISOString(),
      resources: [],
    };
  }

  async begin(records: ResourceRecord[]): Promise<void> {
    this.state.resources = records;
    createRecordFolder(this.root, this.state);
  }

  async prepared(spec: ContainerSpec): Promise<void> {
    this.state.spec = spec;
    await writeRecord(this.root, this.state);
  }

  async supervisor(identity: ProcessIdentity | undefined): Promise<void> {
    this.state.monitor = identity;
    await writeRecord(this.root, this.state);
  }

  async pid(pid: number): Promise<void> {
    this.state.pid = pid;
    this.state.process = processIdentity(pid);
    await writeRecord(this.root, this.state);
  }

  async running(records: ResourceRecord[]): Promise<void> {
    this.state.resources = records;
    await writeRecord(this.root, this.state);
  }

  async finish(): Promise<void> {
    removeContainerFolder(this.root, this.state.id);
  }
}
