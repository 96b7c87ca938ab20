// Command orderservice is the sample program of Go Heap Dump Viewer: a small order service
// with a memory leak and goroutines blocked in several ways. It writes heap dumps with
// runtime/debug.WriteHeapDump after a warm-up ("before") and after more traffic ("after").
//
//	go run . -before orders-before.heapdump -after orders.heapdump
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

func main() {
	// Sample every allocation, so each object has its allocation site in the dump.
	runtime.MemProfileRate = 1

	before := flag.String("before", "", "heap dump written after the warm-up")
	after := flag.String("after", "", "heap dump written after all requests")
	warmup := flag.Int("warmup", 300, "requests before the first dump")
	requests := flag.Int("requests", 3000, "requests in all")
	flag.Parse()

	startBackground()
	svc := newService()
	svc.handle(0, *warmup)
	if *before != "" {
		writeDump(*before)
	}
	svc.handle(*warmup, *requests)
	if *after != "" {
		writeDump(*after)
	}
}

// writeDump runs two collections (memory-profile counts are published per cycle) and writes
// a heap dump of this process to path.
func writeDump(path string) {
	runtime.GC()
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	debug.WriteHeapDump(f.Fd())
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	time.Sleep(10 * time.Millisecond)
	fmt.Fprintf(os.Stderr, "wrote %s\n", path)
}
