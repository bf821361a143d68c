# Builds the C helper and the TypeScript packages together; runs the tests.
SHELL := /bin/sh
PNPM ?= pnpm
TURBO = $(PNPM) exec turbo
export TURBO_TELEMETRY_DISABLED = 1

.PHONY: all helper packages deps prepare-host test check demo demo-here clean

all: helper packages

helper:
	$(MAKE) -C helper

deps:
	scripts/ensure-pnpm.sh
	$(PNPM) install --frozen-lockfile --reporter=append-only

packages: deps
	$(TURBO) run build --output-logs=errors-only --no-update-notifier

# The README's test command: as root it prepares the host and runs the suite as
# the unprivileged test user; as any other user it runs the suite directly.
test: prepare-host
	$(MAKE) all
	scripts/as-test-user.sh $(MAKE) check

# As root, install the system packages first: the helper's build needs libseccomp-dev.
prepare-host:
	if [ "$$(id -u)" -eq 0 ]; then scripts/setup-test-host.sh; fi

# The whole suite in place, as the current (unprivileged) user.
check:
	$(MAKE) -C helper test
	$(MAKE) -C helper asan-test
	$(TURBO) run test --concurrency=1 --output-logs=full --no-update-notifier

# Installs what is missing (as root), builds, makes a busybox rootfs and runs a
# container on it as an unprivileged user.
demo: prepare-host
	$(MAKE) all
	scripts/as-test-user.sh $(MAKE) demo-here

demo-here:
	scripts/make-busybox-rootfs.sh build/demo/rootfs
	printf 'PATH=/bin\nGREETING=hello from ryouiki\n' >build/demo/env.txt
	./bin/ryouiki tenkai --path build/demo/rootfs --env build/demo/env.txt --root build/demo/store \
	  --command 'echo "uid: $$(id -u)"; echo "pid: $$$$"; echo "hostname: $$(hostname)"; echo "$$GREETING"; ps'

clean:
	$(MAKE) -C helper clean
	rm -rf build packages/*/dist packages/*/*.tsbuildinfo packages/cli/oclif.manifest.json .turbo packages/*/.turbo tests/.turbo
