#!/usr/bin/env bash
# Rebuilds the sample dumps in samples/dumps from samples/orderservice.
#
#   samples/regenerate.sh                 # Go from PATH (go1.19 from Debian: apt-get install golang-go)
#   GO126=/usr/local/go-1.26/bin/go samples/regenerate.sh   # also the Go 1.26 dump
#
# The program is built from a copy at /home/gopher/orderservice, so the file names in the
# dumps' memory profile are those of another machine (as with any real dump), and the
# viewer has to map them onto the workspace. Summaries come from the reference decoder
# (../shared/heapdumps/oracle.py) when it is there.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD=/home/gopher/orderservice
OUT="$HERE/dumps"
ORACLE="$HERE/../../shared/heapdumps/oracle.py"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOPROXY=off CGO_ENABLED=0
rm -rf "$BUILD" && mkdir -p "$(dirname "$BUILD")" && cp -r "$HERE/orderservice" "$BUILD"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$BUILD" && go build -o "$work/orderservice-go1.19" .)
run() { env -i HOME=/home/gopher PATH=/usr/bin:/bin GOMAXPROCS=2 "$@"; }
(cd "$work" && run ./orderservice-go1.19 -before orders-before.heapdump -after orders.heapdump)
if [ -n "${GO126:-}" ]; then
	(cd "$BUILD" && "$GO126" build -o "$work/orderservice-go1.26" .)
	(cd "$work" && run ./orderservice-go1.26 -requests 1500 -after orders-go1.26.heapdump)
fi
mkdir -p "$OUT" "$HERE/bin"
for f in "$work"/*.heapdump; do
	cp "$f" "$OUT/"
	if [ -f "$ORACLE" ]; then python3 "$ORACLE" "$f" --out "$OUT/$(basename "${f%.heapdump}").summary.json"; fi
done
rm -rf "$BUILD" # the build path must not exist where the dumps are opened
for b in "$work"/orderservice-*; do gzip -9 -n -c "$b" > "$HERE/bin/$(basename "$b").gz"; done
ls -l "$OUT"

# The leak programs (samples/leaks): one gzipped dump per scenario, the Go 1.26 runtime's own
# goroutineleak profile of each run, and the binaries.
LEAKS="$HERE/leaks/dumps"
mkdir -p "$LEAKS"
bash "$HERE/leaks/generate.sh" "$work/leaks" go
if [ -n "${GO126:-}" ]; then bash "$HERE/leaks/generate.sh" "$work/leaks" "$GO126"; fi
for f in "$work"/leaks/*.heapdump "$work"/leaks/leaks-go*; do gzip -9 -n -c "$f" > "$LEAKS/$(basename "$f").gz"; done
cp "$work"/leaks/*.goroutineleak.txt "$LEAKS/" 2>/dev/null || true
ls -l "$LEAKS"
