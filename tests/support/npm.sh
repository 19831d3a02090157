# npm_mods NAME SPEC: install the npm package SPEC once into $PWD/npm-NAME
# (ctest runs tests in the build's tests/ directory, the same prefix the C
# tests' ms_test_npm_install uses) and print its node_modules directory;
# status 1 when npm failed (registry unreachable). Tests run in parallel
# and several need the same peer: the install runs under flock into a fresh
# directory, and only the stamp written after npm succeeded says it is
# complete (a package.json appears mid-extraction).
npm_mods() {
  # Parallel tests share the install: under flock, into a fresh directory,
  # complete only once the stamp exists (see ms_test_npm_install).
  local dir="$PWD/npm-$1" stamp="$PWD/npm-$1.done"
  if [ ! -f "$stamp" ]; then
    flock "$PWD/npm-$1.lock" sh -c '[ -f "$1" ] || { rm -rf "$2" && timeout 300 npm install --prefix "$2" \
      --no-audit --no-fund --no-save --loglevel=error "$3" >/dev/null 2>&1 && touch "$1"; }' \
      sh "$stamp" "$dir" "$2" || return 1
  fi
  echo "$dir/node_modules"
}
