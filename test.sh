#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs the system packages the tests need
# (Debian's chromium for the Playwright browser tests, postgresql for the worker tests), then runs `dotnet test`.
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Methods]
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# LibTorch's OpenMP threads spin while idle unless told otherwise; tests share two cores with the test host.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

# Debian's chromium for the browser tests; Debian's postgresql server for the worker tests (Unlearning.Tests/Web/Workers
# start a throwaway cluster with /usr/lib/postgresql/*/bin/initdb and pg_ctl).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet test Unlearning.sln -c Release "$@"
