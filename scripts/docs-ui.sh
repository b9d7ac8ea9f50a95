#!/usr/bin/env bash
# Regenerates the vendored renderer of GET /docs from npm: installs
# web/docs-ui (swagger-ui-dist, pinned by package-lock.json) and copies the
# built files the page uses into internal/apidoc/ui/vendor/, where go:embed
# takes them. The copies are committed, so `go build` needs no npm.
#
#   scripts/docs-ui.sh            npm ci, then copy
#   scripts/docs-ui.sh --update   npm install swagger-ui-dist@latest first
#                                 (updates package.json and the lock file)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
pkg=web/docs-ui
out=internal/apidoc/ui/vendor

command -v npm >/dev/null 2>&1 || {
	echo "docs-ui.sh: npm is required (Debian: apt-get install npm)" >&2
	exit 1
}

case "${1:-}" in
--update)
	npm install --prefix "${pkg}" --save-exact --no-audit --no-fund --ignore-scripts swagger-ui-dist@latest
	;;
"") ;;
*)
	echo "docs-ui.sh: unknown argument '$1' (usage: scripts/docs-ui.sh [--update])" >&2
	exit 2
	;;
esac
# --ignore-scripts: swagger-ui-dist depends on @scarf/scarf, whose install
# script reports the install to a third party.
npm ci --prefix "${pkg}" --no-audit --no-fund --ignore-scripts

src="${pkg}/node_modules/swagger-ui-dist"
mkdir -p "${out}"
rm -f "${out}"/*
# The bundle (Swagger UI with React), its style sheet, and their licenses.
for f in swagger-ui-bundle.js swagger-ui.css swagger-ui-bundle.js.LICENSE.txt LICENSE NOTICE; do
	cp "${src}/${f}" "${out}/${f}"
done
# The bundle names its source map; none is shipped, so drop the reference
# (a browser's developer tools would ask the server for it).
sed -i -e 's|^//# sourceMappingURL=.*$||' "${out}/swagger-ui-bundle.js"
sed -i -e 's|/\*# sourceMappingURL=.*\*/||' "${out}/swagger-ui.css"
version="$(node -p "require('./${src}/package.json').version")"
echo "swagger-ui-dist ${version}" >"${out}/VERSION"
echo "docs-ui.sh: copied swagger-ui-dist ${version} into ${out}"
