#!/usr/bin/env bash
# Builds the playground served at GET / from web/playground: installs its
# npm packages (CodeMirror 6, esbuild; pinned by package-lock.json) and
# bundles src/ into internal/playground/dist/, where go:embed takes it.
# dist/ is committed, so `go build` needs no npm; internal/playground's
# TestBuildIsCurrent fails when src/ changed and this was not run.
#
#   scripts/playground.sh            npm ci, then build
#   scripts/playground.sh --update   npm update first (updates the lock file)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
pkg=web/playground

command -v npm >/dev/null 2>&1 || {
	echo "playground.sh: npm is required (Debian: apt-get install npm)" >&2
	exit 1
}

case "${1:-}" in
--update)
	npm update --prefix "${pkg}" --save-exact --no-audit --no-fund --ignore-scripts
	;;
"") ;;
*)
	echo "playground.sh: unknown argument '$1' (usage: scripts/playground.sh [--update])" >&2
	exit 2
	;;
esac
# --ignore-scripts: nothing needs an install script (esbuild's binary comes
# as its platform's optional package).
npm ci --prefix "${pkg}" --no-audit --no-fund --ignore-scripts
node "${pkg}/build.mjs"
