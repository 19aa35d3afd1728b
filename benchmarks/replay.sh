#!/usr/bin/env bash
# Replay benchmark: the shared six-month file through the live system, embedded (SQLite) and on PostgreSQL (a private
# server started here from the installed binaries), RUNS times each; prints every run and the medians.
# Usage: ./build.sh bench [RUNS]   (default 3). Needs ../shared/data and /usr/lib/postgresql/15/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
file=../shared/data/online-retail-2010-12_2011-05.csv.gz
dotnet build src/Insiders.Cli -c Release -v q >/dev/null
cli="dotnet src/Insiders.Cli/bin/Release/net10.0/insiders.dll"
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
run() { # $1 label, rest: extra args; prints "ack persisted"
  local out; out=$($cli replay "$file" --quiet "${@:2}")
  local line; line=$(grep '^Timings' <<<"$out")
  echo "$1: $line" >&2
  sed -E 's/.*; ([0-9,]+) lines\/s read→acknowledged.*; ([0-9,]+) lines\/s read→persisted.*/\1 \2/' <<<"$line" | tr -d ,
}

emb=(); pg=()
for i in $(seq "$runs"); do
  rm -rf "$work/data"
  emb+=("$(run "embedded run $i" --data-dir "$work/data")")
  db="bench$i"
  as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
  pg+=("$(run "postgres run $i" --postgres "Host=127.0.0.1;Port=$port;Username=postgres;Database=$db")")
done

echo
echo "| storage | runs | median lines/s read→acknowledged | median lines/s read→persisted |"
echo "|---|---|---|---|"
echo "| embedded (SQLite) | $runs | $(printf '%s\n' "${emb[@]}" | cut -d' ' -f1 | median) | $(printf '%s\n' "${emb[@]}" | cut -d' ' -f2 | median) |"
echo "| PostgreSQL | $runs | $(printf '%s\n' "${pg[@]}" | cut -d' ' -f1 | median) | $(printf '%s\n' "${pg[@]}" | cut -d' ' -f2 | median) |"
