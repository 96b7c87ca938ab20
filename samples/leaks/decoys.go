package main

import (
	"container/list"
	"fmt"
	"runtime"
	"sync"
)

// Large but legitimate: a lookup table built once, a bounded LRU, a worker pool waiting for
// work on a channel that a global holds, and a mutex-protected registry.

type GeoCell struct {
	Lat, Lon, Population, Area float64
	Code                       [4]int32
}

var geoIndex []GeoCell

type lruCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type lruEntry struct {
	key   string
	value []byte
}

func (c *lruCache) Put(key string, value []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		e.Value.(*lruEntry).value = value
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key, value})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}

var sessionsLRU = &lruCache{max: 200, order: list.New(), items: map[string]*list.Element{}}

type job struct {
	id      int
	payload []byte
}

var workQueue = make(chan job)
var poolDone sync.WaitGroup

func startDecoys() {
	geoIndex = make([]GeoCell, 3000)
	for i := range geoIndex {
		geoIndex[i] = GeoCell{Lat: float64(i), Lon: float64(-i), Population: float64(i * 10), Code: [4]int32{int32(i), 1, 2, 3}}
	}
	for i := 0; i < 1000; i++ {
		sessionsLRU.Put(fmt.Sprintf("session-%d", i%600), make([]byte, 256))
	}
	for w := 0; w < 4; w++ {
		poolDone.Add(1)
		go worker(w)
	}
}

// worker waits for jobs on workQueue, which the global holds: an idle pool, not a leak.
func worker(id int) {
	defer poolDone.Done()
	for j := range workQueue {
		_ = j
	}
}

func keepDecoys() {
	runtime.KeepAlive(geoIndex)
	runtime.KeepAlive(sessionsLRU)
}
