// sessions: an HTTP service that times each user session with rcrowley/go-metrics and forgets
// to stop the timers: a known leak of that library. metrics.NewTimer starts a Meter, and every
// Meter is kept in the library's own registry of meters to tick (its package-level `arbiter`)
// until Stop is called. The service keeps at most maxSessions sessions (the oldest are
// dropped from its map), but every session's meter stays in the arbiter's map, with the
// moving averages it ticks every five seconds: memory grows with every session ever served.
// Requests go through net/http's ServeMux in-process (httptest).
//
// The live sessions are big (each timer's histogram keeps a reservoir of 1028 samples); the
// leaked meters are small but never go away. Beside the dump it writes how many sessions it
// served and how many it kept ("15000 500"), for the tests to compare with the meters the
// viewer finds.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	metrics "github.com/rcrowley/go-metrics"
)

type session struct {
	user     string
	started  time.Time
	latency  metrics.Timer
	requests metrics.Counter
	pages    []string
}

type server struct {
	sessions map[string]*session
	order    []string // oldest first
	served   int
	registry metrics.Registry
}

const maxSessions = 500

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	user := r.URL.Query().Get("user")
	sess, ok := s.sessions[user]
	if !ok {
		// The leak: a timer per session, never stopped.
		sess = &session{user: user, started: start, latency: metrics.NewTimer(), requests: metrics.NewCounter()}
		s.sessions[user] = sess
		s.order = append(s.order, user)
		s.served++
		if len(s.order) > maxSessions {
			delete(s.sessions, s.order[0])
			s.order = s.order[1:]
		}
	}
	if len(sess.pages) < 16 {
		sess.pages = append(sess.pages, r.URL.Path)
	}
	sess.requests.Inc(1)
	fmt.Fprintf(w, "ok %s\n", user)
	sess.latency.UpdateSince(start)
	s.registry.GetOrRegister("requests", metrics.NewCounter).(metrics.Counter).Inc(1)
}

func main() {
	requests := flag.Int("requests", 60000, "requests of the workload")
	dump := flag.String("dump", "sessions.heapdump", "heap dump to write")
	rate := flag.Int("memprofilerate", runtime.MemProfileRate, "runtime.MemProfileRate")
	flag.Parse()
	runtime.MemProfileRate = *rate
	rand.Seed(1)
	s := &server{sessions: map[string]*session{}, registry: metrics.NewRegistry()}
	mux := http.NewServeMux()
	mux.Handle("/", s)
	for i := 0; i < *requests; i++ {
		// Each user makes a few requests in a row, then another user comes.
		u := i / 4
		req := httptest.NewRequest("GET", "/shop/"+strconv.Itoa(rand.Intn(200))+"?user=u"+strconv.Itoa(u), nil)
		mux.ServeHTTP(httptest.NewRecorder(), req)
	}
	runtime.GC()
	f, err := os.Create(*dump)
	if err != nil {
		panic(err)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	if err := os.WriteFile(*dump+".sessions", []byte(fmt.Sprintf("%d %d", s.served, len(s.sessions))), 0o644); err != nil {
		panic(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("wrote %s: %d sessions served, %d live, HeapAlloc %d, HeapObjects %d\n", *dump, s.served, len(s.sessions), ms.HeapAlloc, ms.HeapObjects)
	runtime.KeepAlive(s)
}
