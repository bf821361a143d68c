#!/usr/bin/env python3
"""Moves packages/core/src into the folders of its layers (spec/, store/, cgroup/, helper/; launch/, oci/ and
oci-runtime/ are already there) with git mv, and rewrites every relative import of the package to match.

Run once at the top of the checkout, after the branches that change these files are merged (it rewrites the
imports of every file, the merged ones too), then delete this script: python3 scripts/move-core-into-layers.py"""
import os, re, subprocess
SRC = 'packages/core/src'
GROUPS = {
    'spec': ['spec', 'spec-builder', 'validate', 'validate-extra:validate-bundle-fields', 'validate-isolation', 'env-file', 'container-options',
             'container-flags', 'isolation-options', 'isolation', 'capabilities', 'seccomp', 'id-map', 'user', 'volumes', 'start-hooks-file'],
    'store': ['container-state', 'state-store', 'state-lock', 'container-names', 'container-lookup', 'runtime-dir', 'paths', 'proc-identity', 'container-end',
              'container-control', 'container-logs', 'process-logs'],
    'cgroup': ['cgroup', 'cgroup-control', 'cgroup-limits', 'cgroup-system', 'cgroup-systemd', 'cgroup-resources', 'cgroup-v2-enable'],
    'helper': ['helper', 'helper-extra-args:bundle-field-args', 'monitor', 'shipped-binary', 'terminal', 'detach-keys', 'exec', 'exec-security',
               'attach'],
    'launch': ['container-dir:container-files', 'network-spec'],
}
# Names that said when a thing was added now say what it is.
IDENTIFIERS = {'extraProblems': 'bundleFieldProblems', 'extraHelperArgs': 'bundleFieldArgs'}
moves = {}
for folder, names in GROUPS.items():
    for entry in names:
        name, _, new_name = entry.partition(':')
        for suffix in ['.ts', '.test.ts']:
            old = f'{SRC}/{name}{suffix}'
            if os.path.exists(old):
                moves[old] = f'{SRC}/{folder}/{new_name or name}{suffix}'
files = [os.path.join(d, f) for d, _, fs in os.walk(SRC) for f in fs if f.endswith('.ts')]
new_of = {f: moves.get(f, f) for f in files}
IMPORT = re.compile(r"""((?:from|import)\s*\(?\s*['"])(\.{1,2}/[^'"]+)(['"])""")
rewritten = {}
for old_file in files:
    text = open(old_file).read()
    def fix(match):
        target_old = os.path.normpath(os.path.join(os.path.dirname(old_file), match.group(2)))
        target_ts = re.sub(r'\.js$', '.ts', target_old)
        if target_ts not in new_of:
            return match.group(0)
        target_new = re.sub(r'\.ts$', '.js', new_of[target_ts])
        rel = os.path.relpath(target_new, os.path.dirname(new_of[old_file]))
        if not rel.startswith('.'):
            rel = './' + rel
        return match.group(1) + rel + match.group(3)
    text = IMPORT.sub(fix, text)
    for old_name, new_name in IDENTIFIERS.items():
        text = re.sub(rf'\b{old_name}\b', new_name, text)
    rewritten[old_file] = text
for folder in GROUPS:
    os.makedirs(f'{SRC}/{folder}', exist_ok=True)
for old, new in moves.items():
    subprocess.run(['git', 'mv', old, new], check=True)
for old_file, text in rewritten.items():
    open(new_of[old_file], 'w').write(text)
# The helper's binaries sit next to dist/, now two folders up from dist/helper/.
shipped = f'{SRC}/helper/shipped-binary.ts'
text = open(shipped).read().replace('new URL(`../helper/${name}`, import.meta.url)', 'new URL(`../../helper/${name}`, import.meta.url)')
open(shipped, 'w').write(text)
# The documents name two of the moved files.
for doc in ['docs/security.md']:
    text = open(doc).read().replace('packages/core/src/seccomp.ts', 'packages/core/src/spec/seccomp.ts')
    open(doc, 'w').write(text)
left = sorted(f for f in os.listdir(SRC) if f.endswith('.ts'))
print(f'moved {len(moves)} files; left at the top: {" ".join(left)}')
