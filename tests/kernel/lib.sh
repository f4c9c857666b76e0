# Shared set-up for tests/kernel/run.sh and tests/kernel/bench.sh (sourced).
# Builds gopherprop into a temporary directory and installs its kernelspec
# into a private JUPYTER_PATH; with FAKE=1 the kernelspec runs the fake
# evaluator instead (kernel/internal/fakekernel), which tests the protocol
# layer without the Go interpreter.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

setup_kernelspec() {
	cd "$ROOT"
	echo "== building gopherprop into $TMP"
	# -trimpath: %%compile builds plugins that must match the binary's packages.
	go build -trimpath -o "$TMP/gopherprop" .
	export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_PATH="$TMP/data"
	export JUPYTER_CONFIG_DIR="$TMP/config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
	export GOPHERPROP_KERNEL_NAME=gopherprop
	export PYDEVD_DISABLE_FILE_VALIDATION=1
	"$TMP/gopherprop" install --user
	if [ "${FAKE:-0}" = 1 ]; then
		echo "== FAKE=1: the kernelspec runs the fake evaluator (protocol layer only)"
		go build -o "$TMP/fakekernel" ./kernel/internal/fakekernel
		"$PY" - "$JUPYTER_DATA_DIR/kernels/gopherprop/kernel.json" "$TMP/fakekernel" <<'PYEOF'
import json, sys
path, exe = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
spec["argv"][0] = exe
json.dump(spec, open(path, "w"), indent=1)
PYEOF
	fi
}
