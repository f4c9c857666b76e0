#!/usr/bin/env bash
# tests/docker/selftest.sh: each Binder rule in check.sh catches a broken
# Dockerfile. Every case breaks the real Dockerfile (or .dockerignore) in
# one way and expects `check.sh --static` to fail naming the rule.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passes=0
fails=0

# case NAME EXPECTED-MESSAGE SED-SCRIPT [dockerignore]
case_() {
	local name="$1" want="$2" script="$3" target="${4:-Dockerfile}"
	cp "$ROOT/Dockerfile" "$tmp/Dockerfile"
	cp "$ROOT/.dockerignore" "$tmp/.dockerignore"
	sed -i -e "$script" "$tmp/$target"
	if cmp -s "$tmp/$target" "$ROOT/$( [ "$target" = Dockerfile ] && echo Dockerfile || echo .dockerignore)"; then
		echo "FAIL $name: the edit changed nothing (fix the selftest)"
		fails=$((fails + 1))
		return
	fi
	local out rc=0
	out="$("$HERE/check.sh" --static "$tmp/Dockerfile" "$tmp/.dockerignore" 2>&1)" || rc=$?
	if [ "$rc" != 0 ] && grep -q "^FAIL .*$want" <<<"$out"; then
		echo "ok   $name is caught"
		passes=$((passes + 1))
	else
		echo "FAIL $name is not caught (exit $rc; want a FAIL line with '$want'):"
		echo "$out" | sed 's/^/     /'
		fails=$((fails + 1))
	fi
}

case_ "an unpinned base image" "fixed tag" 's/^FROM .*/FROM golang:latest/'
case_ "a base image without a tag" "fixed tag" 's/^FROM .*/FROM golang/'
case_ "another NB_UID" "ARG NB_UID=1000" 's/^ARG NB_UID=1000/ARG NB_UID=1001/'
case_ "no NB_USER" "ARG NB_USER=jovyan" '/^ARG NB_USER=/d'
case_ "running as root at the end" "last USER" 's/^USER .*/USER root/'
case_ "no USER at all" "last USER" '/^USER /d'
case_ "an ENTRYPOINT" "no ENTRYPOINT" 's/^CMD /ENTRYPOINT ["tini", "--"]\nCMD /'
case_ "a RUN step that is not the setup script" "every RUN step" 's/^RUN .*--only build.*/RUN go build -o \/usr\/local\/bin\/gopherprop . \&\& gopherprop install --prefix \/usr\/local/'
case_ "the setup script chained with another command" "every RUN step" 's/^\(RUN .*--only build.*\)$/\1 \&\& rm -rf \/tmp/'
case_ "no user step" "'user' step" 's/,user//g'
case_ "no kernelspec step" "'kernelspec' step" 's/,kernelspec//'
case_ "the repository not copied to HOME" "copied into" 's/^COPY --chown=.*/COPY . \/src\//'
case_ "no jupyter notebook CMD" "CMD starts jupyter notebook" 's/^CMD .*/CMD ["bash"]/'
case_ ".dockerignore dropping the notebooks" "must not exclude notebooks" '$a notebooks' .dockerignore
case_ ".dockerignore keeping .git" "should drop .git" '/^\.git$/d' .dockerignore

# The first case is the control: the real files must pass.
out="$("$HERE/check.sh" --static "$ROOT/Dockerfile" "$ROOT/.dockerignore" 2>&1)" && {
	echo "ok   the real Dockerfile passes the static check"
	passes=$((passes + 1))
} || {
	echo "FAIL the real Dockerfile fails the static check:"
	echo "$out"
	fails=$((fails + 1))
}
echo "docker selftest: $passes passed, $fails failed"
[ "$fails" = 0 ]
