// Command denseheap writes a heap dump dense in small objects, for the benchmark: about
// 13 objects per KB of heap (a 1.3 GB dump holds some 17 million objects), in trees, linked
// lists, maps and slices of pointers, like a cache-heavy service.
//
//	go run . -mb 1300 -out dense.heapdump
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

type node struct {
	left, right *node
	parent      *node
	key         int64
	val         *item
}

type item struct {
	name  string
	tags  []string
	next  *item
	owner *account
}

type account struct {
	id     int
	items  map[int]*item
	recent []*item
	tree   *node
}

var accounts []*account

func insert(root **node, n *node) {
	cur := root
	var parent *node
	for *cur != nil {
		parent = *cur
		if n.key < (*cur).key {
			cur = &(*cur).left
		} else {
			cur = &(*cur).right
		}
	}
	n.parent = parent
	*cur = n
}

func main() {
	mb := flag.Int("mb", 256, "target heap size in MB")
	out := flag.String("out", "dense.heapdump", "dump file")
	flag.Parse()
	r := rand.New(rand.NewSource(1))
	var ms runtime.MemStats
	for i := 0; ; i++ {
		a := &account{id: i, items: make(map[int]*item)}
		accounts = append(accounts, a)
		var prev *item
		for k := 0; k < 200; k++ {
			it := &item{name: "item-" + strconv.Itoa(k), owner: a, next: prev}
			if k%3 == 0 {
				it.tags = []string{"hot", strconv.Itoa(r.Intn(100))}
			}
			prev = it
			if k%4 == 0 {
				a.items[k] = it
			}
			if k%10 == 0 {
				a.recent = append(a.recent, it)
			}
			insert(&a.tree, &node{key: r.Int63(), val: it})
		}
		if i%500 == 0 {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc >= uint64(*mb)<<20 {
				break
			}
		}
	}
	runtime.GC()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "wrote %s: %d objects, %d MB heap\n", *out, ms.HeapObjects, ms.HeapAlloc>>20)
}
