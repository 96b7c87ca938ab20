// leaks: small programs with one memory or goroutine leak each, beside large legitimate
// structures (decoys), that write a heap dump. The viewer's tests check that its leak
// suspects name the leak and its holder, and that it proves exactly the leaked goroutines
// (against Go 1.26's own goroutineleak profile where the toolchain has it).
//
//	leaks -scenario cache -dump cache.heapdump [-leakprofile cache.goroutineleak.txt]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"time"
)

var scenarios = map[string]func(){
	"cache":     cacheLeak,
	"subslice":  subsliceLeak,
	"timers":    timerLeak,
	"chan":      blockedSenders,
	"mutex":     blockedOnLock,
	"listeners": listenerLeak,
	"chain":     chainLeak,
	"healthy":   healthy,
}

func main() {
	runtime.MemProfileRate = 1
	scenario := flag.String("scenario", "cache", "which leak: "+strings.Join(names(), ", "))
	dump := flag.String("dump", "leak.heapdump", "heap dump to write")
	leakProfile := flag.String("leakprofile", "", "also write the goroutineleak profile here (Go 1.26 with GOEXPERIMENT=goroutineleakprofile), after the dump")
	flag.Parse()
	run, ok := scenarios[*scenario]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q (%s)\n", *scenario, strings.Join(names(), ", "))
		os.Exit(2)
	}
	startDecoys()
	run()
	time.Sleep(50 * time.Millisecond) // let the goroutines reach their blocking points
	runtime.GC()
	runtime.GC()
	f, err := os.Create(*dump)
	if err != nil {
		panic(err)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	// After the dump: a goroutineleak profile moves leaked goroutines to a status that
	// WriteHeapDump does not know.
	if *leakProfile != "" {
		out, err := os.Create(*leakProfile)
		if err != nil {
			panic(err)
		}
		if p := pprof.Lookup("goroutineleak"); p != nil {
			p.WriteTo(out, 2)
		} else {
			fmt.Fprintln(out, "no goroutineleak profile in this Go")
		}
		out.Close()
	}
	keepDecoys()
}

func names() []string {
	var out []string
	for n := range scenarios {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
