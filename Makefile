# Builds the C helper and the TypeScript packages together; runs the tests.
SHELL := /bin/sh
PNPM ?= pnpm
TURBO = $(PNPM) exec turbo
export TURBO_TELEMETRY_DISABLED = 1

.PHONY: all helper packages deps prepare-host test check check-root check-undelegated test-cgroup-v2 lint typecheck fmt fmt-check shellcheck demo demo-here bench bench-latency bench-network bench-detached bench-images clean install uninstall

all: helper packages

# @ryouiki/core ships the helper it drives: a copy goes into its package,
# renamed into place so a running container's binary is never written over.
helper:
	$(MAKE) -C helper
	scripts/install-binaries.sh packages/core/helper helper/ryouiki-init helper/ryouiki-monitor helper/ryouiki-exec helper/ryouiki-unpack

deps:
	scripts/ensure-pnpm.sh
	$(PNPM) install --frozen-lockfile --reporter=append-only

packages: deps
	$(TURBO) run build --output-logs=errors-only --no-update-notifier

# ryouiki and ryouiki-runtime on the PATH: the CLI package with its production
# dependencies (the helper's binaries ship inside @ryouiki/core) in
# PREFIX/lib/ryouiki, linked from PREFIX/bin. DESTDIR is for staged installs.
PREFIX ?= /usr/local
INSTALL_LIB = $(DESTDIR)$(PREFIX)/lib/ryouiki
INSTALL_BIN = $(DESTDIR)$(PREFIX)/bin

install: all
	rm -rf $(INSTALL_LIB)
	$(PNPM) --filter @ryouiki/cli deploy --prod --legacy --prefer-offline --reporter=append-only $(INSTALL_LIB)
	mkdir -p $(INSTALL_BIN)
	ln -sfn ../lib/ryouiki/bin/run.cjs $(INSTALL_BIN)/ryouiki
	ln -sfn ../lib/ryouiki/bin/runtime.cjs $(INSTALL_BIN)/ryouiki-runtime

uninstall:
	rm -f $(INSTALL_BIN)/ryouiki $(INSTALL_BIN)/ryouiki-runtime
	rm -rf $(INSTALL_LIB)

# The README's test command: as root it prepares the host and runs the suite as
# the unprivileged test user; as any other user it runs the suite directly.
test: prepare-host
	$(MAKE) all
	$(MAKE) lint typecheck
	scripts/as-test-user.sh $(MAKE) check
	RYOUIKI_TEST_CGROUPS=undelegated scripts/as-test-user.sh $(MAKE) check-undelegated
	if [ "$$(id -u)" -eq 0 ]; then $(MAKE) check-root; fi
	if [ "$$(id -u)" -eq 0 ]; then scripts/test-cgroup-v2.sh; fi

# As root, install the system packages first: the helper's build needs libseccomp-dev.
prepare-host:
	if [ "$$(id -u)" -eq 0 ]; then scripts/setup-test-host.sh; fi

# The whole suite in place, as the current (unprivileged) user.
check:
	$(MAKE) -C helper test
	$(MAKE) -C helper asan-test
	$(TURBO) run test --concurrency=1 --output-logs=full --no-update-notifier

# As root, in place: ryouiki-runtime in root mode, and containerd and dockerd
# (started by the tests, as root as they run) driving it as their runc.
check-root:
	cd tests && RYOUIKI_TEST_AS_ROOT=1 node --experimental-vm-modules --no-warnings ../node_modules/jest/bin/jest.js --runInBand as-root

# The tests of a user without delegated cgroups: limits refused, plain runs work.
check-undelegated:
	cd tests && RYOUIKI_TEST_CGROUPS=undelegated node --experimental-vm-modules --no-warnings ../node_modules/jest/bin/jest.js undelegated

# Pure cgroup v2 with systemd, in a VM (this machine is hybrid): builds its
# image once (cached), boots it and runs the tests that need v2. As root; make
# test runs it last. It fails after 20 minutes (docs/cgroups-v2.md).
test-cgroup-v2: prepare-host
	$(MAKE) all
	scripts/test-cgroup-v2.sh

# ESLint (typescript-eslint) over the packages and the tests, shellcheck over the scripts.
# ESLint, shellcheck, and the formatters' check (make fmt fixes what it reports).
lint: deps shellcheck fmt-check
	$(PNPM) exec eslint packages/*/src tests

shellcheck:
	shellcheck -S warning scripts/*.sh .ci/run

# The type check of everything, the tests included (ts-jest only transpiles them).
typecheck: deps
	for package in packages/*/; do if [ -f "$$package/tsconfig.test.json" ]; then $(PNPM) exec tsc -p "$$package/tsconfig.test.json" || exit 1; fi; done
	$(PNPM) exec tsc -p tests/tsconfig.json

# Prettier for the TypeScript, clang-format for the helper's C; fmt-check only says what fmt would change.
# FMT_FILES narrows both to some files (as a review of a change does).
ifeq ($(FMT_FILES),)
FMT_TS = packages/*/src tests/integration
FMT_C = $(wildcard helper/src/*.c helper/src/*.h helper/tests/*.c)
else
FMT_TS = $(filter %.ts,$(FMT_FILES))
FMT_C = $(filter %.c %.h,$(FMT_FILES))
endif
fmt: deps
	$(if $(FMT_TS),$(PNPM) exec prettier --log-level warn --write $(FMT_TS))
	$(if $(FMT_C),clang-format -i $(FMT_C))

fmt-check: deps
	$(if $(FMT_TS),$(PNPM) exec prettier --log-level warn --check $(FMT_TS))
	$(if $(FMT_C),clang-format --dry-run --Werror $(FMT_C))

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

# Benchmarks print numbers and ratios, never fail on them: latency, network, 100 detached containers, images.
# Each part leaves its JSON in build/bench-PART.json; the whole table lands in build/bench.json.
BENCH_PARTS = build/bench-latency.json build/bench-network.json build/bench-detached.json build/bench-images.json
bench: bench-latency bench-network bench-detached bench-images
	node bench/report.mjs build/bench.json $(BENCH_PARTS)

# Start latency and published-port throughput: slirp4netns, pasta, rootless podman.
# 100 detached containers: time to start them all, supervisor memory per container.
bench-detached: all
	rm -f /var/tmp/ryouiki-bench-detached.json build/bench-detached.json
	scripts/as-test-user.sh scripts/podman-pause.sh scripts/bench-detached.sh 100 /var/tmp/ryouiki-bench-detached.json
	@$(call bench_keep,detached)

# Pull of the Debian image from a local registry and run --rm IMAGE true, beside skopeo and podman.
BENCH_IMAGE_PULLS ?= 3
BENCH_IMAGE_RUNS ?= 5
bench-images: all
	rm -f /var/tmp/ryouiki-bench-images.json build/bench-images.json
	scripts/as-test-user.sh node bench/images.mjs --pulls $(BENCH_IMAGE_PULLS) --runs $(BENCH_IMAGE_RUNS) --out /var/tmp/ryouiki-bench-images.json
	@$(call bench_keep,images)

bench-network: all
	rm -f /var/tmp/ryouiki-bench-network.json build/bench-network.json
	scripts/as-test-user.sh scripts/podman-pause.sh node bench/network.mjs $(BENCH_NETWORK_ARGS) --out /var/tmp/ryouiki-bench-network.json
	@$(call bench_keep,network)

clean:
	$(MAKE) -C helper clean
	rm -rf build packages/core/helper packages/*/dist packages/*/*.tsbuildinfo packages/cli/oclif.manifest.json .turbo packages/*/.turbo tests/.turbo

# Start-to-exit latency side by side with bubblewrap, runc and podman (where
# installed), as an unprivileged user; the table also lands in build/bench-latency.json.
BENCH_RUNS ?= 20
bench-latency: all
	rm -f /var/tmp/ryouiki-bench-latency.json build/bench-latency.json
	scripts/as-test-user.sh scripts/podman-pause.sh node bench/bench.mjs --runs $(BENCH_RUNS) --out /var/tmp/ryouiki-bench-latency.json
	@$(call bench_keep,latency)

# The test user wrote a part's JSON outside the checkout (it may sit under /root): into build/.
bench_keep = if [ -f /var/tmp/ryouiki-bench-$(1).json ]; then mkdir -p build && mv /var/tmp/ryouiki-bench-$(1).json build/bench-$(1).json; fi
