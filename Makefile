# Builds the C helper and the TypeScript packages together; runs the tests.
SHELL := /bin/sh
PNPM ?= pnpm
TURBO = $(PNPM) exec turbo
export TURBO_TELEMETRY_DISABLED = 1

.PHONY: all helper packages deps prepare-host test check check-undelegated demo demo-here bench bench-network bench-detached bench-images clean

all: helper packages

# @ryouiki/core ships the helper it drives: a copy goes into its package.
helper:
	$(MAKE) -C helper
	mkdir -p packages/core/helper
	cp helper/ryouiki-init helper/ryouiki-monitor helper/ryouiki-exec helper/ryouiki-unpack packages/core/helper/

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
	RYOUIKI_TEST_CGROUPS=undelegated scripts/as-test-user.sh $(MAKE) check-undelegated

# As root, install the system packages first: the helper's build needs libseccomp-dev.
prepare-host:
	if [ "$$(id -u)" -eq 0 ]; then scripts/setup-test-host.sh; fi

# The whole suite in place, as the current (unprivileged) user.
check:
	$(MAKE) -C helper test
	$(MAKE) -C helper asan-test
	$(TURBO) run test --concurrency=1 --output-logs=full --no-update-notifier

# The tests of a user without delegated cgroups: limits refused, plain runs work.
check-undelegated:
	cd tests && RYOUIKI_TEST_CGROUPS=undelegated node --experimental-vm-modules --no-warnings ../node_modules/jest/bin/jest.js undelegated

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

# Benchmarks print numbers and ratios, never fail on them.
bench: bench-network bench-detached bench-images

# Start latency and published-port throughput: slirp4netns, pasta, rootless podman.
# 100 detached containers: time to start them all, supervisor memory per container.
bench-detached: all
	scripts/as-test-user.sh scripts/bench-detached.sh 100

# Pull of the Debian image from a local registry and run --rm IMAGE true, beside skopeo and podman.
bench-images: all
	scripts/as-test-user.sh node bench/images.mjs

bench-network: all
	scripts/as-test-user.sh node bench/network.mjs $(BENCH_NETWORK_ARGS)

clean:
	$(MAKE) -C helper clean
	rm -rf build packages/core/helper packages/*/dist packages/*/*.tsbuildinfo packages/cli/oclif.manifest.json .turbo packages/*/.turbo tests/.turbo

# Start-to-exit latency side by side with bubblewrap, runc and podman (where
# installed), as an unprivileged user; the table also lands in build/bench.json.
BENCH_RUNS ?= 20
bench: all
	scripts/as-test-user.sh node bench/bench.mjs --runs $(BENCH_RUNS) --out /var/tmp/ryouiki-bench.json
	@if [ -f /var/tmp/ryouiki-bench.json ]; then mkdir -p build && mv /var/tmp/ryouiki-bench.json build/bench.json; fi
