import { Flags } from '@oclif/core';

/** The isolation flags of commands that start a container, as podman spells them. */
export const isolationFlags = {
  user: Flags.string({ char: 'u', description: 'run the command as UID[:GID] or NAME[:GROUP] of the rootfs (supplementary groups cleared)' }),
  userns: Flags.string({ description: 'auto: map 1..N to your subordinate ids (/etc/subuid) when you have some; single: only uid 0 inside', default: 'auto' }),
  volume: Flags.string({ char: 'v', description: 'bind mount HOST:CONTAINER[:ro|rw]; repeatable', multiple: true, multipleNonGreedy: true }),
  tmpfs: Flags.string({ description: 'a tmpfs on PATH[:OPTIONS] (e.g. /cache:size=64m); repeatable', multiple: true, multipleNonGreedy: true }),
  'read-only': Flags.boolean({ description: 'mount the rootfs read-only (/tmp, /run and /dev/shm stay writable tmpfs)' }),
  overlay: Flags.boolean({ description: 'copy-on-write rootfs: writes go to a layer removed with the container; the rootfs stays unchanged' }),
  'cap-add': Flags.string({ description: 'add a capability to the default set (NAME or ALL); repeatable', multiple: true, multipleNonGreedy: true }),
  'cap-drop': Flags.string({ description: 'drop a capability from the default set (NAME or ALL); repeatable', multiple: true, multipleNonGreedy: true }),
  privileged: Flags.boolean({ description: 'every capability of the user namespace, no seccomp filter, no masked paths' }),
  seccomp: Flags.string({ description: 'unconfined, or an OCI seccomp profile (JSON file) instead of the default filter' }),
};
