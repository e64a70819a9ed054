#!/usr/bin/env bash
# System tools that some tests need and pip cannot provide. Idempotent: cheap when all is there.
set -euo pipefail

# promtool: `promtool check rules` and rule unit tests (tests/deploy/test_alerts.py).
# Debian's `prometheus` package carries it. Only the promtool binary (static Go, needs libc
# only) is extracted: installing the package would also start a Prometheus server on :9090
# from its postinst and pull in the web UI's JavaScript packages.
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ci-deps: promtool missing and not root; the promtool tests will be skipped" >&2
  else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    chown _apt "$tmp" 2>/dev/null || true  # apt downloads as its _apt user
    if ! (cd "$tmp" && apt-get download -q prometheus); then
      apt-get update -q
      (cd "$tmp" && apt-get download -q prometheus)
    fi
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
    install -m 0755 "$tmp/root/usr/bin/promtool" /usr/local/bin/promtool
  fi
fi
if command -v promtool >/dev/null 2>&1; then
  promtool --version 2>&1 | head -1
fi
