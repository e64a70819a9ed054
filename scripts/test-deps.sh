#!/usr/bin/env bash
# Installs the system packages the test suite needs (idempotent; skips what is present).
# The machines run as root; elsewhere sudo is used when available.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="$(command -v sudo || true)"; fi

need=()
add() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
# (entries are added here as features need them: "command package")
for extra in scripts/test-deps.d/*.list; do
  [ -f "$extra" ] || continue
  while read -r cmd pkg; do
    [ -z "${cmd:-}" ] || [ "${cmd:0:1}" = "#" ] && continue
    add "$cmd" "$pkg"
  done < "$extra"
done

if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages for tests: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
