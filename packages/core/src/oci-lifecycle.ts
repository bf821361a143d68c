/**
 * The OCI lifecycle of containers that exist (state, start, kill, delete,
 * list, ps, pause, resume), for ryouiki-runtime: `@ryouiki/core/oci-lifecycle`.
 * podman and containerd run these on every container, each call a process of
 * its own, so this entry reaches none of what makes containers (the launch
 * pipeline, images, execa): the runtime bundles it apart from the rest.
 */
// The releasers of every resource kind, which delete runs on a container's records.
import './launch/resources.js';

export { isRyouikiError } from './errors.js';
export { ociDelete, ociKill, ociList, ociPause, ociProcesses, ociStart, ociState, type RuntimeOptions } from './oci-runtime/lifecycle.js';
export { OCI_VERSION } from './spec/spec.js';
