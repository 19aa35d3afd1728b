#!/usr/bin/env bash
# Replay benchmark: a transaction file through the live system — embedded (SQLite) and PostgreSQL (a private server
# started here from the installed binaries) — beside its baselines measured in the same run: the in-process batch floor
# (insiders-bench batch: same reader, features folded in one pass, no grains/storage) and the data team's
# pandas/scikit-learn notebook (benchmarks/baseline/notebook_pipeline.py). RUNS runs each; prints every run and medians.
# Files: the shared six months, and (with --synthetic) a generated year at 10× its size (19,000 customers, seed 42).
# Usage: ./build.sh bench [RUNS] [--synthetic]   (default 3). Needs ../shared/data, /usr/lib/postgresql/15/bin and
# (for the pandas column) python3 with pandas + scikit-learn (Debian: apt-get install python3-pandas python3-sklearn).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3; synthetic=0
for a in "$@"; do case "$a" in --synthetic) synthetic=1 ;; *) runs=$a ;; esac; done
dotnet build src/Insiders.Cli -c Release -v q >/dev/null
dotnet build benchmarks/Insiders.Benchmarks -c Release -v q >/dev/null
cli="dotnet src/Insiders.Cli/bin/Release/net10.0/insiders.dll"
bench="dotnet benchmarks/Insiders.Benchmarks/bin/Release/net10.0/insiders-bench.dll"
py=/usr/bin/python3; $py -c 'import pandas, sklearn' 2>/dev/null || py=""
work=$(mktemp -d /tmp/insiders-bench-XXXXXX)
chmod 777 "$work"
pgbin=${INSIDERS_PG_BIN:-/usr/lib/postgresql/15/bin}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres -A trust >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { printf '%s\n' "${@:2}" | cut -d' ' -f"$1" | median; }
replay() { # $1 file, $2 label, rest: extra args; prints "ack persisted retrain_seconds"
  local out; out=$($cli replay "$1" --quiet "${@:3}")
  local line; line=$(grep '^Timings' <<<"$out")
  echo "$2: $line" >&2
  sed -E 's/.*retrain ([0-9.]+)s.*; ([0-9,]+) lines\/s read→acknowledged.*; ([0-9,]+) lines\/s read→persisted.*/\2 \3 \1/' <<<"$line" | tr -d ,
}
pandas() { # $1 file; prints "lines_per_s cluster_seconds"
  local out; out=$($py benchmarks/baseline/notebook_pipeline.py "$1" | tail -1)
  echo "pandas: $out" >&2
  awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]} printf "%.0f %s\n", v["lines"]/(v["read_clean"]+v["features"]), v["cluster"]}' <<<"$out"
}

bench_file() { # $1 file, $2 label
  local file=$1 label=$2 emb=() pg=() pd=() i db
  local lines; lines=$($bench batch "$file" --runs "$runs")
  echo "$lines" >&2 # not `tee /dev/stderr`: that reopens (and truncates) a log file stderr is redirected to
  local floor; floor=$(tail -1 <<<"$lines" | awk '{print $2}')
  for i in $(seq "$runs"); do
    rm -rf "$work/data"
    emb+=("$(replay "$file" "embedded run $i" --data-dir "$work/data")")
    db="bench$RANDOM$i"
    as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    pg+=("$(replay "$file" "postgres run $i" --postgres "Host=127.0.0.1;Port=$port;Username=postgres;Database=$db")")
    [ -n "$py" ] && pd+=("$(pandas "$file")")
  done
  echo
  echo "### $label — $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), medians of $runs"
  echo
  echo "| pipeline | lines/s read → features known | lines/s read → persisted | clustering (s) |"
  echo "|---|---|---|---|"
  echo "| batch floor (in-process, no grains, no storage) | $floor | – | – |"
  [ -n "$py" ] && echo "| pandas + scikit-learn notebook | $(col 1 "${pd[@]}") | – (nothing kept) | $(col 2 "${pd[@]}") |"
  echo "| Insiders embedded (SQLite) | $(col 1 "${emb[@]}") | $(col 2 "${emb[@]}") | $(col 3 "${emb[@]}") |"
  echo "| Insiders PostgreSQL | $(col 1 "${pg[@]}") | $(col 2 "${pg[@]}") | $(col 3 "${pg[@]}") |"
  echo
}

bench_file ../shared/data/online-retail-2010-12_2011-05.csv.gz "shared six months (209,029 lines)"
if [ "$synthetic" = 1 ]; then
  $cli generate "$work/year10x.csv.gz" --customers 19000 --days 365 --seed 42 >&2
  bench_file "$work/year10x.csv.gz" "synthetic year at 10× ($(zcat "$work/year10x.csv.gz" | tail -n +2 | wc -l | xargs printf "%'d") lines, 19,000 customers)"
fi
