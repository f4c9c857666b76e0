# gopherprop: literate differentiable programming in Go inside Jupyter.
#
#   make demo     install what is missing, build the kernel, start Jupyter
#                 Notebook on 127.0.0.1 in notebooks/
#   make test     everything CI runs (.ci/run): set-up, lint, script
#                 self-tests, unit tests, kernel protocol suite, corpus, notebooks,
#                 symbols, Docker, browser
#   make bench    the Go benchmarks (ratios against in-run baselines)
#   make install  build the binary and install the kernelspec only
#   make lint     gofmt, go vet, staticcheck, deadcode, and the shell
#                 scripts' syntax and shellcheck
#
# Every target that needs packages or a build runs install/setup.sh, which
# installs only what is missing.

SHELL := /bin/bash
export GOTOOLCHAIN := local
export PATH := /usr/local/go/bin:$(PATH)
# Quiets a debugger warning that Debian's Python prints on every jupyter command.
export PYDEVD_DISABLE_FILE_VALIDATION := 1

SETUP     := install/setup.sh
TIMED     := install/timed.sh
TIMES     := $(CURDIR)/.make-test-times
GO_TEST_FLAGS ?= -timeout 20m
# Notebooks run by `make test` (all of them). The MNIST notebook trains on
# GOPHERPROP_MNIST_SAMPLES samples (35,000 by default; fewer in CI, as in
# notebooks/nbtool.py's CI_ENV).
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
CI_MNIST_SAMPLES ?= 3000
# Where install/setup.sh puts the binary (without --prefix); scripts get it
# as $$GOPHERPROP.
GO        := $(or $(shell command -v go),/usr/local/go/bin/go)
GOBIN_DIR := $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)
export GOPHERPROP := $(GOBIN_DIR)/gopherprop
# jupyter refuses to start as root unless told.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# No display (a server, a container): print the link instead of opening a browser.
BROWSER_FLAG := $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)

.PHONY: demo test bench install lint \
	test-setup test-lint test-scripts test-unit test-kernel test-corpus test-notebooks test-notebooks-headless test-symbols test-docker test-browser

demo:
	$(SETUP)
	jupyter notebook --ip=127.0.0.1 --notebook-dir=notebooks $(ROOT_FLAG) $(BROWSER_FLAG)

install:
	$(SETUP) --only check,build,kernelspec,prewarm,verify

# deadcode reports functions that no program reaches; exported names are
# allowed (API: cells reach them through the interpreter's symbol tables,
# other programs import them, and methods such as String and Error satisfy
# interfaces), so what fails the lint is unexported code that only tests,
# or nothing, use. A function counts as dead only when it is dead in both
# builds, pure Go and -tags openblas (which setup.sh uses when OpenBLAS is
# installed).
DEADCODE_ALLOWED := unreachable func: ([[:alnum:]_]+\.)?[[:upper:]][^.]*$$

lint:
	@$(SETUP) --only linters
	@echo "gofmt -l ."; out="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || echo .))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(GOBIN_DIR)/staticcheck ./...
	@echo "$(GOBIN_DIR)/deadcode ./... and deadcode -tags openblas ./..."; \
	  plain="$$($(GOBIN_DIR)/deadcode ./...)" && blas="$$($(GOBIN_DIR)/deadcode -tags openblas ./...)" || exit 1; \
	  dead="$$(comm -12 <(sort <<<"$$plain") <(sort <<<"$$blas") | grep -vE '$(DEADCODE_ALLOWED)' | grep . || true)"; \
	  if [ -n "$$dead" ]; then echo "$$dead"; echo "deadcode: unexported functions no program uses (tests do not count): remove them, or move test helpers into _test.go files"; exit 1; fi
	@for f in install/*.sh .ci/run tests/*/*.sh interp/symbols/*.sh bench/*.sh; do \
	  [ -f "$$f" ] || continue; bash -n "$$f" || exit 1; done; echo "bash -n: shell scripts parse"
	@if command -v shellcheck >/dev/null; then \
	  echo "shellcheck -S warning install/*.sh .ci/run tests/browser/*.sh tests/docker/*.sh tests/corpus/*.sh bench/*.sh"; \
	  shellcheck -S warning install/*.sh .ci/run tests/browser/*.sh tests/docker/*.sh tests/corpus/*.sh bench/*.sh; \
	else echo "shellcheck not installed: skipped"; fi

# Go benchmarks (each reports its ratio to a baseline measured in the same
# run), then the kernel's startup and round-trip comparison with ipykernel.
bench:
	$(SETUP) --only check,system,modules
	@dpkg -s python3-torch >/dev/null 2>&1 || { echo "apt-get install -y python3-torch"; apt-get install -y python3-torch || echo "python3-torch unavailable: the PyTorch column will read n/a"; }
	go test -run '^$$' -bench . -benchmem -count 1 ./...
	bench/ratios.sh
	if ls /usr/lib/*/libopenblas.so >/dev/null 2>&1; then TAGS=openblas OPENBLAS_NUM_THREADS=1 bench/ratios.sh; fi
	bench/pytorch.sh
	bench/notebook.sh
	tests/kernel/bench.sh

# test runs every suite even when one fails, then prints a table of times
# and a closing "N passed, N failed" line; it fails if any suite failed.
# Only a failed set-up stops it early, since nothing can run without it.
test:
	@rm -f $(TIMES)
	@$(TIMED) $(TIMES) setup $(SETUP) --test || { cat $(TIMES); exit 1; }
	@failed=0; for t in lint scripts unit kernel corpus notebooks symbols docker browser; do \
	  $(TIMED) $(TIMES) $$t $(MAKE) --no-print-directory test-$$t || failed=1; \
	done; \
	echo; echo "make test: times on $$(nproc) cores"; cat $(TIMES); \
	echo "suites: $$(grep -c ' ok ' $(TIMES)) passed, $$(grep -c ' FAIL ' $(TIMES)) failed"; \
	exit $$failed

test-setup:
	$(SETUP) --test

test-lint: lint

# The set-up script refuses unsupported systems clearly; the Dockerfile
# check catches each broken Binder rule.
test-scripts:
	install/selftest.sh
	tests/docker/selftest.sh

test-unit:
	go test $(GO_TEST_FLAGS) ./...

# The kernel protocol suite: jupyter_kernel_test, nbclient, jupyter console.
test-kernel:
	tests/kernel/run.sh

# The real-world corpus (tests/corpus): the runner's self-test; the
# oracle's expected outputs are current (each case compiled and run with
# Go); then every case runs through the real kernel, which prints the pass
# count per split and fails on a failure that
# tests/corpus/known-failures.txt does not list.
test-corpus:
	/usr/bin/python3 tests/corpus/test_run.py
	go run ./tests/corpus/oracle -check
	tests/corpus/run.sh

# The committed notebooks are valid, not stale, and run through nbclient
# (tests/notebooks/run.sh); and every notebook runs top to bottom headless
# with `gopherprop run`, no Jupyter involved.
test-notebooks:
	@rc=0; tests/notebooks/run.sh || rc=1; \
	$(MAKE) --no-print-directory test-notebooks-headless || rc=1; exit $$rc

test-notebooks-headless:
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks in notebooks/"; exit 1; }
	@out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; ok=0; bad=0; \
	for nb in $(NOTEBOOKS); do \
	  echo "gopherprop run $$nb -o $$out/$$(basename $$nb)"; \
	  if GOPHERPROP_MNIST_SAMPLES=$(CI_MNIST_SAMPLES) "$(GOPHERPROP)" run --timeout 15m "$$nb" -o "$$out/$$(basename $$nb)"; \
	  then ok=$$((ok+1)); else bad=$$((bad+1)); fi; \
	done; \
	echo "notebooks: $$ok passed, $$bad failed"; [ $$bad = 0 ]

test-symbols:
	interp/symbols/check.sh

test-docker:
	tests/docker/check.sh

test-browser:
	GOPHERPROP_MNIST_SAMPLES=$(CI_MNIST_SAMPLES) tests/browser/run.sh
