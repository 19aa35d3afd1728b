#!/usr/bin/env bash
# Scale benchmarks of issue #6 (docs/benchmarks.md, sections "Retrain at scale" and "Event-to-flag latency"):
#   1. retrain at 100,000 and 1,000,000 synthetic customers ingested through the pipeline into an embedded silo
#      (phase times from RetrainResult, process peak RSS), beside the plain batch fit and scikit-learn on the same points;
#   2. event-to-flag latency at 2,000 and 10,000 lines/s (open loop, medians of RUNS runs), beside an in-memory baseline.
# Usage: benchmarks/scale.sh [CUSTOMERS...]        default: 100000 1000000
#   SCALE_RUNS (3) retrains / latency runs; SCALE_DURATION (30) seconds per latency run; SCALE_OUT (a temp dir) outputs.
# Prints markdown with the machine, date, load average and command; every data directory is under /tmp and removed.
# Bulk load: the retrain runs ingest with Insiders:CheckpointInterval=01:00:00 (one checkpoint at the end, timed) —
# with the 5 s default, checkpoints rewrite every shard's whole state each time and dominate the load (see the doc).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
runs=${SCALE_RUNS:-3}
duration=${SCALE_DURATION:-30}
out=${SCALE_OUT:-$(mktemp -d /tmp/insiders-scale-XXXXXX)}
mkdir -p "$out"
dotnet build benchmarks/Insiders.Benchmarks -c Release -v q >/dev/null
bench=(dotnet benchmarks/Insiders.Benchmarks/bin/Release/net10.0/insiders-bench.dll)
# The silo runs in the benchmark process: server GC and optimized code from the first call, as in the service and the
# CLI (the benchmark project itself keeps the runtime's defaults, the faster ones for `batch`, the replay's floor).
export DOTNET_gcServer=1 DOTNET_TC_QuickJit=0

echo "## Scale benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GB," \
     ".NET $(dotnet --version), Release, DOTNET_gcServer=1, DOTNET_TC_QuickJit=0. Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Command: \`benchmarks/scale.sh ${sizes[*]}\` (SCALE_RUNS=$runs, SCALE_DURATION=$duration)."

python=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import sklearn' 2>/dev/null; then python=$p; break; fi
done

for n in "${sizes[@]}"; do
  echo
  echo "### Retrain at $n customers"
  echo
  "${bench[@]}" retrain --customers "$n" --runs "$runs" --export-points "$out/points-$n.csv" \
    --set Insiders:CheckpointInterval=01:00:00 --set Insiders:MaxUncheckpointedLines=100000000 2>"$out/retrain-$n.log" | grep -v '^RESULT' | tee "$out/retrain-$n.md"
  if [ -n "$python" ]; then
    echo
    echo "scikit-learn on the same points (benchmarks/sklearn_baseline.py):"
    echo
    "$python" benchmarks/sklearn_baseline.py "$out/points-$n.csv" --runs "$runs" 2>>"$out/retrain-$n.log"
  else
    echo
    echo "(scikit-learn not installed: \`apt-get install -y python3-sklearn\` to add its baseline.)"
  fi
  rm -f "$out/points-$n.csv"
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
done

echo
echo "### Event-to-flag latency"
echo
# The service (src/Insiders.Silo) runs server GC with background collections; the benchmark project, like the CLI's
# batch replay, turns them off. Turned on here, as in the service: without them every full collection is blocking.
DOTNET_gcConcurrent=1 "${bench[@]}" event-to-flag --customers 20000 --rates 2000,10000 --duration "$duration" --warmup 5 --runs "$runs" 2>"$out/e2f.log" | grep -v '^RESULT'
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg). Logs: $out"
