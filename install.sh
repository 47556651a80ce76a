#!/usr/bin/env bash
# Batata installer: Bun (from the npm registry, pinned) → dependencies (frozen lockfile) → single binary.
#
#   ./install.sh                  install and build dist/batata
#   ./install.sh --prefix DIR     also copy the binary to DIR/bin/batata
#   ./install.sh --run [ARGS]     install, build, then run `dist/batata serve ARGS` (embedded store)
#   ./install.sh --test           install, build, then run the checks and the whole test suite
#
# Idempotent: a second run reuses the installed Bun, the dependencies and an up-to-date binary.
set -euo pipefail
cd "$(dirname "$0")"

BUN_VERSION="1.4.4"
PREFIX=""
MODE="install"
RUN_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) PREFIX="${1#--prefix=}"; shift ;;
    --run) MODE="run"; shift; RUN_ARGS=("$@"); break ;;
    --test) MODE="test"; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '==> %s\n' "$*" >&2; }

# 1. Bun: use one on PATH if it is the pinned version, else a project-local copy under .tools/.
if command -v bun >/dev/null 2>&1 && [ "$(bun --version 2>/dev/null)" = "$BUN_VERSION" ]; then
  BUN="$(command -v bun)"
elif [ -x .tools/node_modules/bun/bin/bun.exe ] && [ "$(.tools/node_modules/bun/bin/bun.exe --version)" = "$BUN_VERSION" ]; then
  BUN="$PWD/.tools/node_modules/bun/bin/bun.exe"
else
  command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is required to install Bun $BUN_VERSION" >&2; exit 1; }
  say "installing Bun $BUN_VERSION from the npm registry into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" >&2
  BUN="$PWD/.tools/node_modules/bun/bin/bun.exe"
  [ -x "$BUN" ] || { echo "install.sh: Bun binary not found after npm install" >&2; exit 1; }
fi
BUN_DIR="$(dirname "$BUN")"
[ -e "$BUN_DIR/bun" ] || ln -sf "$BUN" "$BUN_DIR/bun" 2>/dev/null || true
export PATH="$BUN_DIR:$PATH"
say "bun $("$BUN" --version) at $BUN"

# 2. Dependencies exactly as locked.
say "installing dependencies (frozen lockfile)"
"$BUN" install --frozen-lockfile >&2

# 3. The single executable, rebuilt only when a source changed.
if [ ! -x dist/batata ] || [ -n "$(find src cli proto conf package.json bun.lock -newer dist/batata -print -quit 2>/dev/null)" ]; then
  say "building dist/batata"
  "$BUN" run build >&2
else
  say "dist/batata is up to date"
fi

if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX/bin"
  cp dist/batata "$PREFIX/bin/batata"
  say "installed $PREFIX/bin/batata"
fi

case "$MODE" in
  run)
    say "starting batata on the embedded store (Ctrl-C to stop)"
    exec ./dist/batata serve "${RUN_ARGS[@]}"
    ;;
  test)
    # Browser tests (test/e2e/console.test.ts) drive Debian's Chromium; never a downloaded browser.
    if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
      say "installing chromium (apt-get) for the console browser tests"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } ||
        say "could not install chromium: the console browser tests will fail"
    fi
    say "checks: typecheck + lint"
    "$BUN" run check >&2
    say "tests"
    log="$(mktemp)"
    set +e
    "$BUN" test --timeout 30000 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    pass=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
    fail=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
    rm -f "$log"
    echo "${pass} passed, ${fail} failed"
    exit "$status"
    ;;
esac
