#!/usr/bin/env bash
# System tools the benchmarks need and pip cannot provide (wrk for bench.service_overhead).
# Idempotent: cheap when all is there.
set -euo pipefail

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench-deps: wrk missing and not root; install it with: apt-get install wrk" >&2
    exit 1
  fi
  apt-get install -y -q wrk >/dev/null 2>&1 || {
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
  }
fi
wrk --version 2>&1 | head -1 || true
