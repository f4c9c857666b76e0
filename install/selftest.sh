#!/usr/bin/env bash
# install/selftest.sh: install/setup.sh refuses what it does not support,
# with a clear message, and changes nothing when it does.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passes=0
fails=0

# expect NAME WANT-EXIT WANT-MESSAGE [ENV=VALUE...] -- ARGS...
expect() {
	local name="$1" want_rc="$2" want_msg="$3"
	shift 3
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local out rc=0
	out="$(env "${envs[@]}" "$HERE/setup.sh" "$@" 2>&1)" || rc=$?
	if [ "$rc" = "$want_rc" ] && grep -q -- "$want_msg" <<<"$out"; then
		echo "ok   $name"
		passes=$((passes + 1))
	else
		echo "FAIL $name: exit $rc (want $want_rc), output lacks '$want_msg':"
		echo "$out" | tail -5 | sed 's/^/     /'
		fails=$((fails + 1))
	fi
}

printf 'ID=fedora\nPRETTY_NAME="Fedora Linux 40"\n' >"$tmp/fedora"
printf 'ID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 24.04 LTS"\n' >"$tmp/ubuntu"
printf 'ID=linuxmint\nID_LIKE="ubuntu debian"\nPRETTY_NAME="Linux Mint 22"\n' >"$tmp/mint"
mkdir -p "$tmp/oldgo" "$tmp/nogo"
cat >"$tmp/oldgo/go" <<'EOS'
#!/bin/sh
[ "$1 $2" = "env GOVERSION" ] && echo go1.22.5 && exit 0
exit 1
EOS
chmod +x "$tmp/oldgo/go"
for t in bash env dirname cat sed grep id uname date printf sh; do
	p="$(command -v "$t")" && ln -sf "$p" "$tmp/nogo/$t"
done

expect "a non-Debian system is refused" 1 "unsupported distribution 'Fedora Linux 40'" SETUP_OS_RELEASE="$tmp/fedora" -- --only check
expect "a missing os-release is refused" 1 "this script supports Debian and Ubuntu only" SETUP_OS_RELEASE="$tmp/none" -- --only check
expect "Ubuntu is accepted" 0 "Ubuntu 24.04 LTS" SETUP_OS_RELEASE="$tmp/ubuntu" -- --only check
expect "a Debian derivative is accepted" 0 "Linux Mint 22" SETUP_OS_RELEASE="$tmp/mint" -- --only check
expect "an old Go is refused" 1 "Go go1.22.5 at $tmp/oldgo/go is too old: gopherprop needs Go >= 1.26" PATH="$tmp/oldgo:$PATH" -- --only check
expect "no Go is refused" 1 "Go is not installed" PATH="$tmp/nogo" SETUP_GO_ROOT="$tmp/none" -- --only modules
expect "an unknown option is refused" 2 "unknown option --frobnicate" -- --frobnicate
expect "an unknown step is refused" 2 "unknown step 'compile'" -- --only check,compile
expect "a bad uid is refused" 2 "--nb-uid must be a number" -- --nb-uid jovyan --only check
expect "--help describes the steps" 0 "kernelspec  gopherprop install --user" -- --help
expect "the check step passes here" 0 "==> setup done" -- --only check
echo "setup selftest: $passes passed, $fails failed"
[ "$fails" = 0 ]
