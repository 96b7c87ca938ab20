// metrics: an HTTP service instrumented with the Prometheus client, with the classic
// label-cardinality leak: its request counter and latency histogram are labelled by the raw
// request path, so every user id in a path makes new series that are never deleted. Requests
// go through net/http's ServeMux in-process (httptest), /metrics is scraped now and then (its
// encoder's buffers end up in sync.Pools), and the service keeps a bounded map of sessions.
//
// It does not link runtime/pprof: Go's linker then turns memory profiling off, as it does for
// any program that cannot read the profile. Beside the dump it writes what the runtime had as
// runtime.MemProfileRate (0), for the tests to compare with what the viewer says.
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

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type server struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	sessions map[string]*session
}

type session struct {
	user    string
	created time.Time
	cart    []item
}

type item struct {
	sku   string
	price float64
}

const maxSessions = 5000

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	user := r.URL.Query().Get("user")
	sess, ok := s.sessions[user]
	if !ok && len(s.sessions) < maxSessions {
		sess = &session{user: user, created: start}
		s.sessions[user] = sess
	}
	if sess != nil && len(sess.cart) < 8 {
		sess.cart = append(sess.cart, item{sku: "sku-" + strconv.Itoa(rand.Intn(5000)), price: float64(rand.Intn(10000)) / 100})
	}
	fmt.Fprintf(w, "ok %s\n", user)
	// The leak: the path, with its user id, is a label.
	s.requests.WithLabelValues(r.Method, r.URL.Path, "200").Inc()
	s.latency.WithLabelValues(r.URL.Path).Observe(time.Since(start).Seconds())
}

func main() {
	requests := flag.Int("requests", 20000, "requests of the workload")
	dump := flag.String("dump", "metrics.heapdump", "heap dump to write")
	flag.Parse()
	rand.Seed(1)
	reg := prometheus.NewRegistry()
	s := &server{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "Requests served."}, []string{"method", "path", "code"}),
		latency:  prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_seconds", Help: "Request latency.", Buckets: prometheus.DefBuckets}, []string{"path"}),
		sessions: map[string]*session{},
	}
	reg.MustRegister(s.requests, s.latency)
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	for i := 0; i < *requests; i++ {
		u := rand.Intn(1 << 30)
		req := httptest.NewRequest("GET", "/users/"+strconv.Itoa(u)+"/cart?user=u"+strconv.Itoa(u%(2*maxSessions)), nil)
		mux.ServeHTTP(httptest.NewRecorder(), req)
		if i%5000 == 0 {
			mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil))
		}
	}
	runtime.GC()
	f, err := os.Create(*dump)
	if err != nil {
		panic(err)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	if err := os.WriteFile(*dump+".memprofilerate", []byte(strconv.Itoa(runtime.MemProfileRate)), 0o644); err != nil {
		panic(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("wrote %s: %d series, %d sessions, HeapAlloc %d, HeapObjects %d, MemProfileRate %d\n", *dump, *requests, len(s.sessions), ms.HeapAlloc, ms.HeapObjects, runtime.MemProfileRate)
	runtime.KeepAlive(s)
}
