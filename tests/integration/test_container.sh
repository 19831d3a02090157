#!/usr/bin/env bash
# test_container.sh -- build deploy/container/Containerfile with buildah and
# check the image (docs/deploy.md, "Container image"):
#   - the base is a local debian:bookworm-slim made by debootstrap from this
#     machine's apt mirror (deploy/container/make-base.sh, cached in
#     /var/cache/medstream-ci), so nothing is pulled from a registry;
#   - `buildah bud --isolation=chroot` builds both stages;
#   - `medstream version` and `medstream demo` run in the image (buildah
#     run --isolation=chroot), as its user 10001;
#   - the image config: entrypoint medstream, user 10001, HEALTHCHECK,
#     OCI labels with this version and commit; no compiler or -dev package
#     in the runtime image;
#   - the image's root filesystem mounted read-only with a tmpfs only on
#     /var/lib/medstream: `medstream run` (the image's CMD) starts as uid
#     10001, and the image's own HEALTHCHECK command passes against it.
# Prints the image size. Takes several minutes on a cold machine (the
# debootstrap base, the -dev packages, a Release build); the Release suite
# runs it, sanitizer builds skip it: it runs no code of ours in-process.
# buildah and debootstrap are big, so they are installed here (as root),
# not by scripts/setup.sh.
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}"
if [ -n "${MS_SANITIZE:-}" ]; then
  echo "SKIP: sanitizer build ($MS_SANITIZE): the container test runs no code in-process; the Release suite runs it"
  exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: building the image with buildah and debootstrap needs root"
  exit 77
fi
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "setup: installing buildah and debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    buildah debootstrap > /tmp/medstream-container-apt.log 2>&1 || {
      DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        buildah debootstrap; } > /tmp/medstream-container-apt.log 2>&1 || {
      tail -5 /tmp/medstream-container-apt.log
      echo "FAIL: cannot install buildah/debootstrap"
      exit 1
    }
fi
fails=0
ok()   { echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

tag=localhost/medstream:ctest-$$
ctr=
tmp=$(mktemp -d)
untagged() { buildah images -a --format '{{.ID}} {{.Name}}' | awk '$2 == "<none>" { print $1 }' | sort; }
before=$(untagged)
# Remove the image and the untagged step images this run made: the storage
# does not grow with every run. Kept: the base and the tagged toolchain
# stage (localhost/medstream-build-deps), the caches of the next run.
cleanup() {
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
  buildah rmi "$tag" >/dev/null 2>&1 || true
  for id in $(comm -13 <(echo "$before") <(untagged)); do
    buildah rmi "$id" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

start=$(date +%s)
if ! MS_LOCAL_BASE=1 bash "$MS_SRC/deploy/container/build.sh" "$tag" > "$tmp/build.log" 2>&1; then
  tail -n 40 "$tmp/build.log"
  echo "FAIL - buildah bud"
  exit 1
fi
ok "buildah bud --isolation=chroot built $tag in $(( $(date +%s) - start )) s"
grep '^make-base:' "$tmp/build.log" || true
echo "cached steps: $(grep -c 'Using cache' "$tmp/build.log" || true)"

size=$(buildah images --format '{{.Size}}' "$tag" | head -1)
echo "image size: $size"
cfg=$(buildah inspect --type image "$tag")
field() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <<< "$cfg"; }
version=$("$MS_BIN" --version | sed -n '1s/^medstream \([^ ]*\) .*/\1/p')
commit=$(git -C "$MS_SRC" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
check "entrypoint is medstream" '[ "$(field "d[\"Docker\"][\"config\"][\"Entrypoint\"] == [\"medstream\"]")" = True ]'
check "user is 10001:10001" '[ "$(field "d[\"Docker\"][\"config\"][\"User\"]")" = 10001:10001 ]'
hc=$(field 'd["Docker"]["config"]["Healthcheck"]["Test"][-1]')
check "HEALTHCHECK asks /healthz" 'echo "$hc" | grep -q "GET /healthz"'
labels=$(field 'd["Docker"]["config"]["Labels"]')
check "OCI labels: version $version" 'echo "$labels" | grep -q "image.version.: .$version."'
check "OCI labels: revision ${commit}" 'echo "$labels" | grep -q "image.revision.: .$commit"'
check "OCI labels: source" 'echo "$labels" | grep -q "image.source.: .https://"'

ctr=$(buildah from --pull=never "$tag")
run() { buildah run --isolation=chroot "$ctr" -- "$@"; }
out=$(run medstream version 2>&1) || true
echo "$out" | head -2
check "medstream version in the image: $version, commit ${commit}" \
  'echo "$out" | head -1 | grep -q "^medstream $version (commit $commit"'
check "runs as uid 10001" '[ "$(run id -u)" = 10001 ]'
if run medstream demo --out /var/lib/medstream/demo > "$tmp/demo.log" 2>&1; then
  n=$(run sh -c 'ls /var/lib/medstream/demo/*.json | wc -l')
  nsamples=$(ls "$MS_SRC"/examples/*.txt | wc -l)
  check "medstream demo in the image: $n summaries from the installed samples" '[ "$n" -eq "$nsamples" ]'
else
  tail -n 20 "$tmp/demo.log"
  bad "medstream demo in the image"
fi
pkgs=$(run dpkg-query -W -f '${Package}\n' 2>/dev/null || true)
check "runtime image: the medstream package, no -dev package, no compiler ($(echo "$pkgs" | wc -l) packages)" \
  'grep -qx medstream <<< "$pkgs" && ! grep -q -- "-dev$" <<< "$pkgs" && ! grep -qE "^(gcc|cpp|cmake|make)(-[0-9]+)?$" <<< "$pkgs"'
check "runtime image: no MuPDF package (linked statically)" '! grep -qi mupdf <<< "$pkgs"'

# Read-only root: the image mounted read-only in a private mount and network
# namespace (lo only, so port 9464 is ours), a tmpfs on /var/lib/medstream,
# and the image's CMD run as 10001; then the HEALTHCHECK command.
buildah rm "$ctr" >/dev/null
ctr=$(buildah from --pull=never "$tag")
mnt=$(buildah mount "$ctr")
cmd=$(field '" ".join(d["Docker"]["config"]["Cmd"])')
cat > "$tmp/ro.sh" <<EOF
set -e
ip link set lo up
mount --bind "$mnt" "$mnt"
mount -o remount,bind,ro "$mnt"
mount -t tmpfs -o mode=0700,uid=10001,gid=10001 tmpfs "$mnt/var/lib/medstream"
mount -t proc proc "$mnt/proc"
mount -t tmpfs tmpfs "$mnt/dev" && for d in null zero urandom random; do
  touch "$mnt/dev/\$d"; mount --bind /dev/\$d "$mnt/dev/\$d"; done
( touch "$mnt/usr/bin/x" 2>/dev/null && echo "root writable" ) || echo "root read-only"
envs="PATH=/usr/sbin:/usr/bin:/sbin:/bin MEDSTREAM_INBOX=/var/lib/medstream/inbox MEDSTREAM_OUT=/var/lib/medstream/out HOME=/var/lib/medstream"
chroot --userspec=10001:10001 "$mnt" sh -c "mkdir -p /var/lib/medstream/inbox /var/lib/medstream/out"
chroot --userspec=10001:10001 "$mnt" env \$envs sh -c "cd /var/lib/medstream && exec medstream $cmd" > "$tmp/run.log" 2>&1 &
pid=\$!
ready=
for i in \$(seq 1 100); do
  if chroot --userspec=10001:10001 "$mnt" bash -c "$hc" 2>/dev/null; then ready=1; break; fi
  sleep 0.2
done
echo "healthcheck: \${ready:-failed}"
kill -TERM \$pid; wait \$pid; echo "exit: \$?"
EOF
if ro=$(unshare --mount --net --fork bash "$tmp/ro.sh" 2>&1); then :; fi
echo "$ro" | sed 's/^/  /'
check "read-only root: writes outside /var/lib/medstream fail" 'echo "$ro" | grep -q "^root read-only$"'
check "read-only root: the image's CMD runs and the HEALTHCHECK passes" 'echo "$ro" | grep -q "^healthcheck: 1$"'
echo "$ro" | grep -q "^healthcheck: 1$" || sed 's/^/  run: /' "$tmp/run.log"
check "read-only root: SIGTERM drains, exit 0" 'echo "$ro" | grep -q "^exit: 0$"'
buildah umount "$ctr" >/dev/null

echo "image size: $size"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
