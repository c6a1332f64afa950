#!/usr/bin/env bash
# Starts N `edgelm serve` replicas of MODEL on free loopback ports and nginx in
# front of them (deploy/nginx.conf.template) on PORT, in the foreground; stop
# with Ctrl-C. Extra arguments go to every `edgelm serve`.
#   deploy/run-replicas.sh MODEL N PORT [serve options...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model=$1 replicas=$2 port=$3
shift 3
bin=${EDGELM_BINARY:-$here/../build/src/cli/edgelm}
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
prefix=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$prefix"' EXIT
upstreams=""
for i in $(seq 1 "$replicas"); do
  "$bin" serve -m "$model" --port 0 "$@" 2> "$prefix/replica$i.log" &
  for _ in $(seq 1 600); do grep -qs "listening on" "$prefix/replica$i.log" && break; sleep 0.1; done
  addr=$(grep -o 'http://[^ ]*' "$prefix/replica$i.log" | sed 's|http://||')
  [ -n "$addr" ] || { cat "$prefix/replica$i.log"; exit 1; }
  upstreams+="server $addr max_fails=1 fail_timeout=10s; "
  echo "replica $i: $addr" >&2
done
sed -e "s|@PREFIX@|$prefix|g" -e "s|@NGINX_PORT@|$port|g" -e "s|@UPSTREAMS@|$upstreams|" \
  "$here/nginx.conf.template" > "$prefix/nginx.conf"
"$nginx" -p "$prefix" -c "$prefix/nginx.conf" -g "daemon off;" &
echo "listening on http://127.0.0.1:$port" >&2
wait
