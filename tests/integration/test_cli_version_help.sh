#!/usr/bin/env bash
# test_cli_version_help.sh -- `medstream --version` names the git commit and
# the versions of librdkafka, libuv, libcurl, OpenSSL and MuPDF as loaded
# (checked against pkg-config / the headers Debian installed, so a version
# string that is hard-coded or wrong fails); every command has its own
# --help (stdout, exit 0, a usage line naming the command), `help COMMAND`
# prints the same, and `help nope` is a usage error.
set -euo pipefail
: "${MS_BIN:?}"
fails=0
ok()   { echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

v=$("$MS_BIN" --version)
echo "$v"
check "--version and version agree" '[ "$v" = "$("$MS_BIN" version)" ]'
check "first line: version and a commit" \
  'echo "$v" | head -1 | grep -Eq "^medstream [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$"'
if [ -n "${MS_SRC:-}" ] && git -C "$MS_SRC" rev-parse HEAD >/dev/null 2>&1; then
  # A commit of this checkout (HEAD when the build is current; an older
  # one when ctest runs after a commit without a rebuild).
  built=$(echo "$v" | head -1 | sed -n 's/.*(commit \([0-9a-f]*\).*/\1/p')
  check "the commit ($built) is one of the checkout's" \
    '[ -n "$built" ] && git -C "$MS_SRC" cat-file -e "$built^{commit}" 2>/dev/null'
fi
pc() { pkg-config --modversion "$1" 2>/dev/null || true; }
expect_line() { # name expected-version
  if [ -z "$2" ]; then echo "skip - $1: no pkg-config version to compare"; return; fi
  local want="^$1 $2\( \|\$\)"
  check "$1 $2" 'echo "$v" | grep -q "$want"'
}
expect_line librdkafka "$(pc rdkafka)"
expect_line libuv "$(pc libuv)"
expect_line libcurl "$(pc libcurl)"
expect_line OpenSSL "$(pc openssl)"
mupdf=$(sed -n 's/^#define FZ_VERSION "\(.*\)"/\1/p' /usr/include/mupdf/fitz/version.h 2>/dev/null || true)
expect_line MuPDF "$mupdf"

for c in run demo extract check-config awscurl emulate top kafka-mock; do
  rc=0
  out=$("$MS_BIN" "$c" --help 2>/dev/null) || rc=$?
  check "$c --help: exit 0, its own usage line" \
    '[ $rc -eq 0 ] && echo "$out" | head -1 | grep -q "^usage: medstream $c "'
  check "help $c prints the same" '[ "$("$MS_BIN" help "$c" 2>/dev/null)" = "$out" ]'
done
rc=0
"$MS_BIN" help nope >/dev/null 2>&1 || rc=$?
check "help for an unknown command is a usage error (2)" '[ $rc -eq 2 ]'
check "medstream --help still lists the commands" '"$MS_BIN" --help | grep -q "^  check-config"'
[ "$fails" -eq 0 ] || exit 1
echo "all version/help checks passed"
