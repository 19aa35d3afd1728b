#!/usr/bin/env bash
# ./build.sh test   — build everything (warnings are errors) and run all test projects.
# ./build.sh bench  — the replay benchmark on the shared six-month file (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-test}" in
  test)
    dotnet build Insiders.sln -c Release
    dotnet test --solution Insiders.sln -c Release --no-build
    ;;
  bench)
    exec bash benchmarks/replay.sh "${@:2}"
    ;;
  *)
    echo "usage: ./build.sh [test|bench]" >&2
    exit 2
    ;;
esac
