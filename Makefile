# kwine: build and test the NT object driver series and the Wine patch set.
# "make help" lists the targets; README.md explains them.

SHELL := /bin/bash
S := scripts
export KWINE_START := $(shell date +%s)
# T=PATTERN: run only the guest tests whose name matches (grep -E style).
ifdef T
export KWINE_TESTS := $(T)
endif

.PHONY: help test qemu-test bench kunit fuzz deps fetch prepare kernel kernel-debug rootfs \
	wine checkpatch robot series series-check export export-linux export-wine \
	clean distclean

help:
	@echo "make qemu-test   build kernel + patched Wine, boot QEMU, run the guest test plan"
	@echo "make test        what CI runs: checkpatch, everything qemu-test runs (the debug guest"
	@echo "                 runs the KUnit suite at boot), bisect, harness checks"
	@echo "make kunit       the KUnit suites in kunit/ (UML, tools/testing/kunit/kunit.py)"
	@echo "make fuzz        FUZZ_COUNT mutated PE images through image sections (debug kernel)"
	@echo "make bench       benchmarks in the guest, as ratios against same-boot baselines,"
	@echo "                 5 rounds interleaved (KWINE_ROUNDS=N), median [min-max]"
	@echo "make deps        install the host packages (Debian 12, needs root or sudo)"
	@echo "make prepare     fetch sources, create kernel-src/ and wine-src/ with the series"
	@echo "make kernel      build the guest kernel (kernel-debug: KASAN, lockdep, kmemleak)"
	@echo "make rootfs      build the Debian trixie guest root with Wine 10.0"
	@echo "make wine        build the patched Wine parts into the guest root"
	@echo "make checkpatch  checkpatch.pl --strict on every kernel patch"
	@echo "make robot       the kernel test robot's builds and checks on the series (ROBOT_EACH=1: every patch)"
	@echo "make series      postable series (fixes, timers, waits, sections) in OUT (default build/series/out)"
	@echo "make series-check  make series, then b4 am and git am on each; ready-to-post checks"
	@echo "make export      write kernel-src/ and wine-src/ commits back into patches/"
	@echo "Variables: KERNEL_SRC=/path/to/linux, KWINE_FLAVOURS='plain debug',"
	@echo "           T=PATTERN (only the guest tests whose name matches, e.g. T=pe_section),"
	@echo "           KWINE_NO_BACKGROUND=1 (no kernel or bisect builds beside the guests),"
	@echo "           KWINE_RERUN=1 (boot a guest even when nothing it runs or sees changed"
	@echo "           since its last green run in this checkout, whose results are reused)"

test:
	@bash $(S)/run-tests.sh test

qemu-test:
	@bash $(S)/run-tests.sh qemu-test

bench:
	@bash $(S)/run-bench.sh

fuzz:
	@bash $(S)/run-fuzz.sh

kunit: deps
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/run-kunit.sh

deps:
	@bash $(S)/install-deps.sh

fetch: deps
	@bash $(S)/fetch-sources.sh all

prepare: fetch
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/prepare-tree.sh wine

kernel: deps
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/build-kernel.sh plain

kernel-debug: deps
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/build-kernel.sh debug

rootfs: deps
	@bash $(S)/build-rootfs.sh >/dev/null

wine: deps
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/prepare-tree.sh wine
	@bash $(S)/build-wine.sh

checkpatch:
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/checkpatch.sh

robot:
	@bash $(S)/install-deps.sh robot
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/robot.sh

series:
	@bash $(S)/install-deps.sh series
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/make-series.sh $(OUT)

series-check:
	@bash $(S)/install-deps.sh series
	@bash $(S)/prepare-tree.sh linux
	@bash $(S)/make-series.sh --check $(OUT)

export: export-linux export-wine

export-linux:
	@bash $(S)/export-patches.sh linux

export-wine:
	@bash $(S)/export-patches.sh wine

clean:
	rm -rf build

# Also drops the generated trees (after checking they carry no local work)
# and the cache (downloads, base repos, guest root, ccache).
distclean: clean
	@for t in kernel-src wine-src; do \
		[ ! -d $$t/.git ] || [ "$$(git -C $$t rev-parse HEAD)" = "$$(cat $$t/.git/kwine-head 2>/dev/null)" ] || \
			{ echo "$$t has unexported commits; run 'make export' or remove it by hand"; exit 1; }; \
	done
	rm -rf kernel-src wine-src
	rm -rf $${XDG_CACHE_HOME:-$$HOME/.cache}/kwine
