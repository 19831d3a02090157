#!/usr/bin/env bash
# test_packaging.sh -- the install rules, the .deb, the man pages and the
# bash completion (cmake/packaging.cmake, docs/deploy.md "Packages"):
#   - `cmake --install` with DESTDIR puts every file where the package
#     promises, and the installed binary runs (--version, and `demo` finding
#     the installed samples from a directory that has none);
#   - `cpack -G DEB` builds a package whose control data names the shared
#     libraries the binary really loads (dpkg-shlibdeps; no MuPDF: it is
#     static), each satisfied by this Debian; the profiles are conffiles;
#     `dpkg --root` installs it into an empty root, the binary there runs,
#     and `dpkg --purge` removes every file again;
#   - medstream(1) and medstream.ini(5) render with groff and man without a
#     warning, (5) documents every key of `check-config --describe` and (1)
#     every command of `medstream --help`;
#   - the completion script completes commands, options, keys and values,
#     and each command's options in it are exactly those its --help lists.
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}"
build=$(dirname "$MS_BIN")
for tool in cpack dpkg-deb dpkg-shlibdeps groff man; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
fails=0
ok()   { echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$("$MS_BIN" --version | sed -n '1s/^medstream \([^ ]*\) .*/\1/p')

# ---- make install DESTDIR=... ---------------------------------------------
dest=$tmp/dest
DESTDIR=$dest cmake --install "$build" --prefix /usr > "$tmp/install.log"
expect_files=(
  usr/bin/medstream
  usr/share/man/man1/medstream.1 usr/share/man/man5/medstream.ini.5
  usr/share/bash-completion/completions/medstream
  usr/share/doc/medstream/README.md usr/share/doc/medstream/configuration.md
  usr/share/doc/medstream/deploy.md
  etc/medstream/local.ini etc/medstream/msk.ini etc/medstream/kinesis.ini
)
for ini in "$MS_SRC"/configs/*.ini; do expect_files+=("etc/medstream/${ini##*/}"); done
nsamples=0
for txt in "$MS_SRC"/examples/*.txt; do
  nsamples=$((nsamples + 1))
  stem=${txt##*/}
  expect_files+=("usr/share/medstream/examples/${stem%.txt}.pdf")
done
if [ -e "$MS_SRC/deploy/systemd/medstream.service" ]; then
  expect_files+=(usr/lib/systemd/system/medstream.service)
fi
missing=()
for f in "${expect_files[@]}"; do [ -e "$dest/$f" ] || missing+=("$f"); done
check "install: ${#expect_files[@]} expected files (missing: ${missing[*]:-none})" '[ ${#missing[@]} -eq 0 ]'
check "install: profiles are 0644, the binary 0755" \
  '[ "$(stat -c %a "$dest/etc/medstream/local.ini")" = 644 ] && [ "$(stat -c %a "$dest/usr/bin/medstream")" = 755 ]'
check "installed binary: --version names $version" \
  '"$dest/usr/bin/medstream" --version | head -1 | grep -q "^medstream $version "'
mkdir -p "$tmp/cwd"
check "installed binary: demo uses the installed samples" \
  '(cd "$tmp/cwd" && "$dest/usr/bin/medstream" demo --out "$tmp/demo-out" > "$tmp/demo.log" 2>&1) &&
   [ "$(ls "$tmp"/demo-out/*.json 2>/dev/null | wc -l)" -eq "$nsamples" ]' || cat "$tmp/demo.log"

# ---- the .deb ----------------------------------------------------------------
(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/pkg" > "$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; bad "cpack -G DEB"; }
deb=$(ls "$tmp"/pkg/medstream_*.deb 2>/dev/null | head -1)
check "cpack built ${deb##*/}" '[ -n "$deb" ] && [ -s "$deb" ]'
if [ -n "$deb" ]; then
  info=$(dpkg -I "$deb")
  contents=$(dpkg -c "$deb")
  echo "$info" | sed -n '/^ Package:/p;/^ Version:/p;/^ Depends:/p;/^ Installed-Size:/p'
  check "dpkg -I: Package medstream, Version $version" \
    'echo "$info" | grep -q "^ Package: medstream$" && echo "$info" | grep -q "^ Version: $version$"'
  depends=$(echo "$info" | sed -n 's/^ Depends: //p')
  # The libraries the binary links directly (DT_NEEDED), found where ldd
  # finds them and mapped to the package that ships them: each must be a
  # dependency (none forgotten; the rest come with these).
  needed=$(readelf -d "$MS_BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  check "the binary links shared libraries ($(echo $needed | wc -w)), none of them MuPDF" \
    '[ -n "$needed" ] && ! echo "$needed" | grep -qi mupdf'
  for so in $needed; do
    lib=$(ldd "$MS_BIN" | awk -v so="$so" '$1 == so { print $3 }')
    [ -n "$lib" ] || { bad "ldd does not resolve $so"; continue; }
    real=$(readlink -f "$lib")
    pkg=$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1 || true)
    [ -z "$pkg" ] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)
    case "$pkg" in
      ""|libgcc-s1|libasan*|libubsan*|libtsan*|libstdc++*) continue ;; # toolchain / sanitizer runtimes
    esac
    echo "$depends" | grep -Eq "(^|, )$pkg( |,|$)" || bad "Depends lacks $pkg (for ${lib##*/})"
  done
  ok "Depends checked for every DT_NEEDED library"
  check "Depends: no MuPDF package (linked statically)" '! echo "$depends" | grep -q mupdf'
  # Every dependency is satisfiable on this Debian (the container test
  # installs the same package on a bare bookworm with apt).
  unsat=()
  IFS=',' read -r -a deps <<< "$depends"
  for d in "${deps[@]}"; do
    d=${d# }
    name=${d%% *}
    want=$(echo "$d" | sed -n 's/.*(>= \(.*\))/\1/p')
    have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
    if [ -z "$have" ] || { [ -n "$want" ] && ! dpkg --compare-versions "$have" ge "$want"; }; then
      unsat+=("$d")
    fi
  done
  check "every dependency is installed here at a satisfying version (${unsat[*]:-all})" '[ ${#unsat[@]} -eq 0 ]'
  check "dpkg -c: binary, man pages, completion, profiles under /etc/medstream" \
    'for f in ./usr/bin/medstream ./usr/share/man/man1/medstream.1 ./usr/share/man/man5/medstream.ini.5 \
              ./usr/share/bash-completion/completions/medstream ./etc/medstream/msk.ini \
              ./usr/share/doc/medstream/deploy.md ./usr/share/medstream/examples/lab-results.pdf; do
       echo "$contents" | grep -q " $f$" || { echo "  missing $f"; exit 1; }; done'
  check "dpkg -c: every file owned by root" '! echo "$contents" | awk "{print \$2}" | grep -v "^root/root$" | grep -q .'
  conffiles=$(dpkg-deb -I "$deb" conffiles)
  check "conffiles: every profile" \
    'for ini in "$MS_SRC"/configs/*.ini; do echo "$conffiles" | grep -qx "/etc/medstream/${ini##*/}" || exit 1; done'

  # Install into an empty root: dpkg's own database there, dependencies
  # checked above against the host (the root has no libc of its own).
  root=$tmp/root
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  : > "$root/var/lib/dpkg/status"
  if dpkg --root="$root" --force-depends --force-not-root --force-script-chrootless \
         -i "$deb" > "$tmp/dpkg.log" 2>&1; then
    ok "dpkg --root -i"
  else
    cat "$tmp/dpkg.log"
    bad "dpkg --root -i"
  fi
  check "dpkg --root: status installed, conffiles registered" \
    'dpkg --root="$root" -s medstream | grep -q "^Status: install ok installed" &&
     dpkg --root="$root" -s medstream | grep -q "^ /etc/medstream/local.ini [0-9a-f]\{32\}"'
  check "dpkg-installed binary: --version" \
    '"$root/usr/bin/medstream" --version | head -1 | grep -q "^medstream $version "'
  check "dpkg-installed binary: check-config on /etc/medstream/local.ini" \
    '"$root/usr/bin/medstream" check-config -c "$root/etc/medstream/local.ini" > /dev/null'
  dpkg --root="$root" --force-not-root --force-script-chrootless --purge medstream > "$tmp/purge.log" 2>&1 || cat "$tmp/purge.log"
  left=$(find "$root" -type f ! -path "$root/var/lib/dpkg/*" ! -path "$root/var/log/*" | head -5)
  check "dpkg --purge removes every file (left: ${left:-none})" '[ -z "$left" ]'
fi

# ---- man pages -------------------------------------------------------------------
for page in man1/medstream.1 man5/medstream.ini.5; do
  f=$dest/usr/share/man/$page
  w=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
  check "groff -ww: $page without warnings${w:+ ($w)}" '[ -z "$w" ]'
  w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
  check "man -l: $page renders without warnings${w:+ ($w)}" '[ -z "$w" ] && MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^NAME"'
done
ini5=$dest/usr/share/man/man5/medstream.ini.5
keys=$("$MS_BIN" check-config --describe | sed -n 's/^| `\([^`]*\)` |.*/\1/p')
nkeys=$(echo "$keys" | wc -l)
undoc=$(for k in $keys; do grep -qx "\.B $k" "$ini5" || echo "$k"; done)
check "medstream.ini(5) documents all $nkeys keys of the table (missing: ${undoc:-none})" \
  '[ "$nkeys" -gt 50 ] && [ -z "$undoc" ]'
check "medstream.ini(5): the key table's help text, e.g. engine.drain_timeout_ms" \
  'MANWIDTH=200 man -l "$ini5" 2>/dev/null | grep -q "how long to wait for in-flight reports"'
man1=$dest/usr/share/man/man1/medstream.1
cmds=$("$MS_BIN" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p')
man1text=$(sed 's/\\-/-/g' "$man1")
undoc=$(for c in $cmds; do grep -Eq "^\.B[IR]? $c( |$)" <<< "$man1text" || echo "$c"; done)
check "medstream(1) has every command of --help ($(echo $cmds | wc -w); missing: ${undoc:-none})" \
  '[ "$(echo $cmds | wc -w)" -ge 9 ] && [ -z "$undoc" ]'
check "medstream(1) carries the version" 'grep -q "medstream $version" "$man1"'

# ---- bash completion ---------------------------------------------------------------
comp=$dest/usr/share/bash-completion/completions/medstream
check "installed completion = medstream completion bash" 'cmp -s "$comp" <("$MS_BIN" completion bash)'
complete_line() { # the words bash would offer for the command line $1 (cursor at the end)
  bash -c 'source "$1"; COMP_LINE=$2; COMP_POINT=${#2}; _medstream; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$1"
}
got=$(complete_line "medstream ")
undoc=$(for c in $cmds; do echo "$got" | grep -qx "$c" || echo "$c"; done)
check "completes every command (missing: ${undoc:-none})" '[ -z "$undoc" ]'
check "completes 'medstream check-c' to check-config" '[ "$(complete_line "medstream check-c")" = check-config ]'
check "completes 'run --set log.le' to log.level=" '[ "$(complete_line "medstream run --set log.le")" = log.level= ]'
check "completes 'run --set log.level=' to its enum values" \
  '[ "$(complete_line "medstream run --set log.level=" | sort | xargs)" = "debug error info warn" ]'
check "completes 'run --set sink.file.fsync=t' to true" \
  '[ "$(complete_line "medstream run --set sink.file.fsync=t")" = true ]'
got=$(complete_line "medstream run --set ")
check "completes all $nkeys keys after --set" '[ "$(echo "$got" | wc -l)" -eq "$nkeys" ]'
check "completes check-config --format to markdown, man" \
  '[ "$(complete_line "medstream check-config --format " | xargs)" = "markdown man" ]'
check "completes 'help ' to the commands" '[ "$(complete_line "medstream help " | wc -l)" -eq "$(echo $cmds | wc -w)" ]'
# Each command's options in the script are exactly those its --help shows.
for c in $cmds; do
  have=$(bash -c 'source "$1"; _medstream_opts "$2"' _ "$comp" "$c" | tr ' ' '\n' | sed '/^$/d' | sort -u)
  want=$("$MS_BIN" help "$c" 2>/dev/null | grep -oE '(^|[ ,[])-{1,2}[a-zA-Z][a-zA-Z0-9-]*' |
         sed 's/^[ ,[]//' | sort -u || true)
  if [ -n "$want" ]; then want=$(printf '%s\n' "$want" --help | sort -u); fi
  case $c in awscurl|emulate|top) want=$(printf '%s\n' $want -h | sort -u) ;; esac
  if [ "$have" = "$want" ]; then
    ok "completion options of $c = its --help ($(echo $have | wc -w))"
  else
    bad "completion options of $c differ from its --help: $(diff <(echo "$have") <(echo "$want") | grep '^[<>]' | xargs)"
  fi
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
