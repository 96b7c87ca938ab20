#!/usr/bin/env bash
# Builds samples/leaks with a Go toolchain and writes one heap dump per scenario into OUT;
# with Go 1.26 (GOEXPERIMENT=goroutineleakprofile) also the runtime's own goroutineleak
# profile of each run, written after the dump.
#
#   samples/leaks/generate.sh OUT [GO]       # GO: the go command (default: go from PATH)
#
# Files: OUT/<scenario>-go1.NN.heapdump, OUT/<scenario>-go1.NN.goroutineleak.txt (Go 1.26),
# OUT/leaks-go1.NN (the binary).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT=${1:?usage: generate.sh OUT [GO]}
GO=${2:-go}
mkdir -p "$OUT"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOPROXY=off CGO_ENABLED=0
version=$("$GO" env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')
minor=${version#1.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$HERE"/go.mod "$HERE"/*.go "$work/"
bin="$OUT/leaks-go$version"
if [ "$minor" -ge 26 ]; then
	(cd "$work" && GOCACHE="$work/cache" GOEXPERIMENT=goroutineleakprofile "$GO" build -trimpath -o "$bin" .)
else
	(cd "$work" && GOCACHE="$work/cache" "$GO" build -trimpath -o "$bin" .)
fi
run() { env -i HOME="$work" PATH=/usr/bin:/bin GOMAXPROCS=2 "$@"; }
for s in cache subslice timers chan mutex listeners chain healthy; do
	dump="$OUT/$s-go$version.heapdump"
	if [ "$minor" -ge 26 ]; then
		run "$bin" -scenario "$s" -dump "$dump" -leakprofile "$OUT/$s-go$version.goroutineleak.txt"
	else
		run "$bin" -scenario "$s" -dump "$dump"
	fi
done
