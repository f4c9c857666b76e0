#!/usr/bin/env bash
# tests/browser/run.sh: the real-browser test (part of `make test`).
#
# Starts Debian's Jupyter Notebook server on 127.0.0.1 with a random token
# and a temporary JUPYTER_DATA_DIR holding only the gopherprop kernelspec,
# then drives Debian's Chromium headless with playwright-core (test.mjs):
# open tests/browser/browser-test.ipynb, run all cells, check the outputs
# (text, an HTML table, a loaded plot image), interrupt a running loop, and
# save a screenshot to tests/browser/artifacts/notebook.png. The committed
# notebooks 01 (tape drawing) and 03 (tape, loss curve) are then opened
# without being run, so Jupyter does not trust them, and every picture they
# hold must show as a loaded <img> (PNG), not as its text/plain fallback
# (screenshots in tests/browser/artifacts/unrun-*.png). When the MNIST
# notebook exists it is opened and run as well (with the CI sample switch),
# with its screenshot in tests/browser/artifacts/mnist.png. Then widgets.mjs
# opens a page built from ipywidgets 8's html-manager (tests/browser/widgets)
# served by the same server, runs notebook 7's cells in it, moves a slider,
# checks that the Interact plot is redrawn and measures the latency
# (artifacts/widgets.png, artifacts/widgets-latency.json).
#
# Needs: install/setup.sh --test (Chromium, Jupyter, playwright-core) and
# the gopherprop binary ($GOPHERPROP, else gopherprop on PATH, else
# $(go env GOPATH)/bin/gopherprop).
#
# Environment: BROWSER_TEST_KERNEL=python3 and BROWSER_TEST_NOTEBOOK=FILE
# run it against another kernel (for developing the test itself);
# BROWSER_TEST_MNIST=0 skips the MNIST notebook, BROWSER_TEST_MNIST_NOTEBOOK=FILE
# runs FILE in its place; BROWSER_TEST_UNRUN="FILE ..." names the notebooks
# opened unrun; BROWSER_TEST_NOTEBOOKS=0 skips test.mjs and
# BROWSER_TEST_WIDGETS=0 the widget test.
set -euo pipefail
export PYDEVD_DISABLE_FILE_VALIDATION=1 # quiets a warning from Debian's Python
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KERNEL="${BROWSER_TEST_KERNEL:-gopherprop}"
NOTEBOOK="${BROWSER_TEST_NOTEBOOK:-$HERE/browser-test.ipynb}"

die() { echo "browser test: $*" >&2; exit 1; }
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing: run install/setup.sh --test"
command -v jupyter-notebook >/dev/null || die "jupyter notebook is missing: run install/setup.sh --test"
[ -f "$HERE/node_modules/playwright-core/package.json" ] || die "playwright-core is missing: run install/setup.sh --test (npm ci in tests/browser)"

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

export JUPYTER_DATA_DIR="$tmp/data" JUPYTER_CONFIG_DIR="$tmp/config" JUPYTER_RUNTIME_DIR="$tmp/runtime"
export IPYTHONDIR="$tmp/ipython" JUPYTER_PATH="$tmp/data" JUPYTER_PLATFORM_DIRS=1
mkdir -p "$tmp/nb" "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR"
if [ "$KERNEL" = gopherprop ]; then
	bin="${GOPHERPROP:-$(command -v gopherprop || echo "$(go env GOPATH)/bin/gopherprop")}"
	[ -x "$bin" ] || die "no gopherprop binary at $bin: run install/setup.sh"
	# Honours JUPYTER_DATA_DIR: the kernelspec lands in $tmp/data/kernels.
	"$bin" install --user >/dev/null
	[ -f "$JUPYTER_DATA_DIR/kernels/gopherprop/kernel.json" ] || die "gopherprop install --user did not write $JUPYTER_DATA_DIR/kernels/gopherprop/kernel.json"
fi
cp "$NOTEBOOK" "$tmp/nb/browser-test.ipynb"
# The widget page (ipywidgets 8's html-manager + @jupyterlab/services),
# bundled with esbuild and served by the Jupyter server.
if [ "${BROWSER_TEST_WIDGETS:-1}" != 0 ] && [ "$KERNEL" = gopherprop ]; then
	[ -f "$HERE/widgets/node_modules/@jupyter-widgets/html-manager/package.json" ] || die "the widget page's npm packages are missing: run install/setup.sh --test (npm ci in tests/browser/widgets)"
	# Served as a static nbextension: /files/ pages run in a CSP sandbox
	# (an opaque origin), which would block the page's API requests.
	widget_dir="$JUPYTER_DATA_DIR/nbextensions/gopherprop-widgets"
	mkdir -p "$widget_dir"
	(cd "$HERE/widgets" && node_modules/.bin/esbuild page.js --bundle --format=iife --outfile="$widget_dir/page.bundle.js" --banner:js='var __webpack_public_path__ = "";' \
		--loader:.woff=dataurl --loader:.woff2=dataurl --loader:.ttf=dataurl --loader:.eot=dataurl --loader:.svg=dataurl --log-level=warning) ||
		die "bundling the widget page failed"
	cp "$HERE/widgets/page.html" "$widget_dir/"
fi
mnist=""
if [ "${BROWSER_TEST_MNIST:-1}" != 0 ] && [ "$KERNEL" = gopherprop ]; then
	mnist="${BROWSER_TEST_MNIST_NOTEBOOK:-$(compgen -G "$ROOT/notebooks/*[Mm][Nn][Ii][Ss][Tt]*.ipynb" | head -1 || true)}"
	if [ -n "$mnist" ]; then
		cp "$mnist" "$tmp/nb/"
		mnist="$(basename "$mnist")"
	fi
fi

# Committed notebooks opened WITHOUT running them: untrusted, as on Binder
# or after `make demo`, their pictures must still show (as PNG).
unrun=""
if [ "$KERNEL" = gopherprop ]; then
	mkdir -p "$tmp/nb/unrun"
	for f in ${BROWSER_TEST_UNRUN:-$ROOT/notebooks/01-getting-started.ipynb $ROOT/notebooks/03-mnist.ipynb}; do
		[ -f "$f" ] || die "no committed notebook $f"
		cp "$f" "$tmp/nb/unrun/"
		unrun="$unrun unrun/$(basename "$f")"
	done
fi

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(16))')"
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)
echo "starting jupyter notebook on 127.0.0.1:$port (kernel $KERNEL)"
jupyter notebook --no-browser --ip=127.0.0.1 --port="$port" --port-retries=0 \
	--NotebookApp.token="$token" --notebook-dir="$tmp/nb" "${root_flag[@]}" \
	>"$tmp/server.log" 2>&1 &
server_pid=$!
for i in $(seq 300); do
	if /usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
		"http://127.0.0.1:$port/api/status?token=$token" 2>/dev/null; then break; fi
	kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log"; die "jupyter notebook exited"; }
	[ "$i" = 300 ] && { cat "$tmp/server.log"; die "jupyter notebook did not answer within 30 s"; }
	sleep 0.1
done

mkdir -p "$HERE/artifacts"
rc=0
if [ "${BROWSER_TEST_NOTEBOOKS:-1}" != 0 ]; then
	NB_URL="http://127.0.0.1:$port" NB_TOKEN="$token" NB_KERNEL="$KERNEL" NB_MNIST="$mnist" \
		NB_UNRUN="$unrun" NB_DIR="$tmp/nb" \
		PROFILE_DIR="$tmp/chromium-profile" ARTIFACTS="$HERE/artifacts" \
		node "$HERE/test.mjs" || rc=$?
fi
if [ "${BROWSER_TEST_WIDGETS:-1}" != 0 ] && [ "$KERNEL" = gopherprop ]; then
	NB_URL="http://127.0.0.1:$port" NB_TOKEN="$token" WIDGET_NOTEBOOK="${BROWSER_TEST_WIDGET_NOTEBOOK:-$ROOT/notebooks/07-gradient-descent-you-can-touch.ipynb}" \
		PROFILE_DIR="$tmp/chromium-profile" ARTIFACTS="$HERE/artifacts" \
		node "$HERE/widgets.mjs" || rc=$?
fi
if [ "$rc" != 0 ]; then
	echo "--- jupyter notebook log (last 60 lines)"
	tail -60 "$tmp/server.log"
fi
exit "$rc"
