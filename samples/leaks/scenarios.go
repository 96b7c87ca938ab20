package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// cache: an unbounded map cache (nothing is ever evicted).

type Row struct {
	Key   string
	Value float64
}

type CachedReport struct {
	ID      string
	Owner   string
	Rows    []Row
	Payload []byte
	Created time.Time
}

type ReportCache struct {
	mu   sync.Mutex
	byID map[string]*CachedReport
}

var reportCache = &ReportCache{byID: map[string]*CachedReport{}}

func buildReport(i int) *CachedReport {
	r := &CachedReport{ID: fmt.Sprintf("report-%06d", i), Owner: "team-" + fmt.Sprint(i%17), Payload: make([]byte, 300), Created: time.Now()}
	for k := 0; k < 4; k++ {
		r.Rows = append(r.Rows, Row{Key: fmt.Sprintf("metric-%d", k), Value: float64(i * k)})
	}
	return r
}

func handleReport(i int) {
	r := buildReport(i)
	reportCache.mu.Lock()
	reportCache.byID[r.ID] = r
	reportCache.mu.Unlock()
}

func cacheLeak() {
	for i := 0; i < 1500; i++ {
		handleReport(i)
	}
}

// subslice: small sub-slices that keep whole read buffers alive.

var recentHeaders [][]byte

func readMessage(i int) []byte {
	buf := make([]byte, 8<<10)
	copy(buf, fmt.Sprintf("HEADER %06d ", i))
	return buf
}

func keepHeader(i int) {
	msg := readMessage(i)
	recentHeaders = append(recentHeaders, msg[:14]) // 14 bytes pin 8 KiB
}

func subsliceLeak() {
	for i := 0; i < 120; i++ {
		keepHeader(i)
	}
}

// timers: contexts with timeouts whose cancel functions are dropped; each pending timer keeps
// its context and the request state in it alive for an hour.

type ctxKey struct{}

type RequestState struct {
	User    string
	Scratch []byte
	Trace   []string
}

func startRequest(i int) {
	state := &RequestState{User: fmt.Sprintf("user-%d", i), Scratch: make([]byte, 1024), Trace: []string{"auth", "load", "render"}}
	ctx := context.WithValue(context.Background(), ctxKey{}, state)
	ctx, _ = context.WithTimeout(ctx, time.Hour) // the cancel function is lost
	_ = ctx
}

func timerLeak() {
	for i := 0; i < 500; i++ {
		startRequest(i)
	}
}

// chan: goroutines that send their result on an unbuffered channel nobody reads any more.

type Result struct {
	Query string
	Hits  []int64
}

func search(q string) *Result {
	r := &Result{Query: q, Hits: make([]int64, 256)}
	return r
}

func searchWithTimeout(q string) *Result {
	ch := make(chan *Result)
	go func() {
		ch <- search(q) // blocks forever once the caller gave up
	}()
	select {
	case r := <-ch:
		return r
	case <-time.After(time.Microsecond):
		return nil
	}
}

func blockedSenders() {
	for i := 0; i < 60; i++ {
		searchWithTimeout(fmt.Sprintf("query %d", i))
	}
	time.Sleep(10 * time.Millisecond)
}

// mutex: goroutines blocked on a lock that an early return never released; and a wait group
// whose counter never reaches zero.

type Account struct {
	mu      sync.Mutex
	balance int64
	history []int64
}

func (a *Account) Deposit(n int64) {
	a.mu.Lock()
	a.balance += n
	a.history = append(a.history, n)
	a.mu.Unlock()
}

func audit(a *Account) error {
	a.mu.Lock()
	if a.balance >= 0 {
		return fmt.Errorf("nothing to audit") // returns with the lock held
	}
	a.mu.Unlock()
	return nil
}

func blockedOnLock() {
	for k := 0; k < 3; k++ {
		acct := &Account{history: make([]int64, 0, 512)}
		_ = audit(acct)
		for i := 0; i < 20; i++ {
			go acct.Deposit(int64(i))
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(2) // one Done too few per task
		go func() { wg.Done() }()
	}
	go func() {
		wg.Wait()
	}()
}

// listeners: subscribers added to a global event bus and never removed.

type Event struct{ Name string }

type SessionState struct {
	ID     string
	Buffer []byte
	Seen   map[string]int
}

type EventBus struct {
	mu        sync.Mutex
	listeners []func(Event)
}

func (b *EventBus) Subscribe(f func(Event)) {
	b.mu.Lock()
	b.listeners = append(b.listeners, f)
	b.mu.Unlock()
}

var bus = &EventBus{}

func openSession(i int) {
	s := &SessionState{ID: fmt.Sprintf("s-%d", i), Buffer: make([]byte, 512), Seen: map[string]int{}}
	bus.Subscribe(func(e Event) { s.Seen[e.Name]++ })
}

func listenerLeak() {
	for i := 0; i < 1000; i++ {
		openSession(i)
	}
}

// chain: every entry links the previous one; the global head keeps the whole history.

type Entry struct {
	Prev *Entry
	Seq  int
	Note string
}

var history *Entry

func record(i int) {
	history = &Entry{Prev: history, Seq: i, Note: strings.Repeat("x", 40)}
}

func chainLeak() {
	for i := 0; i < 8000; i++ {
		record(i)
	}
}

// healthy: the decoys only.
func healthy() {}
