// catalog: a small product-catalog HTTP service over popular libraries (gin, ristretto,
// bbolt, yaml.v3, goldmark, logrus, prometheus client, golang-lru, google/uuid), driven by
// a real HTTP workload on loopback, then writes a heap dump.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/ristretto"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
	"github.com/yuin/goldmark"
	bolt "go.etcd.io/bbolt"
	"gopkg.in/yaml.v3"
)

type Config struct {
	Listen     string            `yaml:"listen"`
	CacheCost  int64             `yaml:"cacheCost"`
	Categories []string          `yaml:"categories"`
	Labels     map[string]string `yaml:"labels"`
	Features   map[string]any    `yaml:"features"`
}

type Product struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Category    string            `json:"category"`
	Price       float64           `json:"price"`
	Tags        []string          `json:"tags"`
	Attributes  map[string]any    `json:"attributes"`
	Description string            `json:"description"`
	Created     time.Time         `json:"created"`
	Reviews     []Review          `json:"reviews"`
	Meta        map[string]string `json:"meta"`
}

type Review struct {
	Author string `json:"author"`
	Stars  int    `json:"stars"`
	Text   string `json:"text"`
}

type Server struct {
	cfg      Config
	db       *bolt.DB
	cache    *ristretto.Cache
	rendered *lru.Cache
	log      *logrus.Logger
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	mu       sync.Mutex
	sessions map[string]*Session
}

type Session struct {
	ID      string
	User    string
	Started time.Time
	Viewed  []string
	Cart    map[string]int
	Prefs   map[string]any
}

const configYAML = `
listen: 127.0.0.1:0
cacheCost: 4000000
categories: [books, garden, kitchen, toys, tools, music, games, office]
labels: {team: catalog, tier: gold}
features:
  recommendations: true
  maxCart: 40
  banners: [summer, winter, "back to school"]
  limits: {perMinute: 600, burst: 50}
`

var global *Server

func newServer(dbPath string) (*Server, error) {
	var cfg Config
	if err := yaml.Unmarshal([]byte(configYAML), &cfg); err != nil {
		return nil, err
	}
	db, err := bolt.Open(dbPath, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("products"))
		return err
	}); err != nil {
		return nil, err
	}
	cache, err := ristretto.NewCache(&ristretto.Config{NumCounters: 100000, MaxCost: cfg.CacheCost, BufferItems: 64})
	if err != nil {
		return nil, err
	}
	rendered, err := lru.New(2000)
	if err != nil {
		return nil, err
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	s := &Server{cfg: cfg, db: db, cache: cache, rendered: rendered, log: log, sessions: map[string]*Session{}}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "catalog_requests_total", Help: "requests"}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "catalog_latency_seconds", Help: "latency", Buckets: prometheus.DefBuckets}, []string{"route"})
	prometheus.MustRegister(s.requests, s.latency)
	return s, nil
}

func (s *Server) metrics(route string) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		s.requests.WithLabelValues(route, fmt.Sprint(c.Writer.Status())).Inc()
		s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	}
}

func (s *Server) session(c *gin.Context) *Session {
	id := c.GetHeader("X-Session")
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		sess = &Session{ID: id, User: "user-" + id[:8], Started: time.Now(), Cart: map[string]int{}, Prefs: map[string]any{"currency": "EUR", "pageSize": 20}}
		s.sessions[id] = sess
	}
	return sess
}

func (s *Server) createProduct(c *gin.Context) {
	var p Product
	if err := c.ShouldBindJSON(&p); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	p.ID = uuid.NewString()
	p.Created = time.Now()
	buf, _ := json.Marshal(&p)
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("products")).Put([]byte(p.ID), buf) }); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	s.cache.Set(p.ID, &p, int64(len(buf)))
	s.log.WithFields(logrus.Fields{"id": p.ID, "category": p.Category}).Info("created")
	c.JSON(http.StatusCreated, gin.H{"id": p.ID})
}

func (s *Server) getProduct(c *gin.Context) {
	id := c.Param("id")
	sess := s.session(c)
	s.mu.Lock()
	sess.Viewed = append(sess.Viewed, id)
	s.mu.Unlock()
	if v, ok := s.cache.Get(id); ok {
		c.JSON(http.StatusOK, v)
		return
	}
	var p Product
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("products")).Get([]byte(id))
		if b == nil {
			return fmt.Errorf("no product %s", id)
		}
		return json.Unmarshal(b, &p)
	})
	if err != nil {
		c.JSON(http.StatusNotFound, gin.H{"error": err.Error()})
		return
	}
	s.cache.Set(id, &p, 1000)
	c.JSON(http.StatusOK, &p)
}

func (s *Server) renderProduct(c *gin.Context) {
	id := c.Param("id")
	if v, ok := s.rendered.Get(id); ok {
		c.Data(http.StatusOK, "text/html", v.([]byte))
		return
	}
	var p Product
	if v, ok := s.cache.Get(id); ok {
		p = *v.(*Product)
	}
	var out bytes.Buffer
	md := fmt.Sprintf("# %s\n\n*%s* — **%.2f EUR**\n\n%s\n\n- %s\n", p.Name, p.Category, p.Price, p.Description, strings.Join(p.Tags, "\n- "))
	if err := goldmark.Convert([]byte(md), &out); err != nil {
		c.String(http.StatusInternalServerError, err.Error())
		return
	}
	s.rendered.Add(id, out.Bytes())
	c.Data(http.StatusOK, "text/html", out.Bytes())
}

func (s *Server) addToCart(c *gin.Context) {
	sess := s.session(c)
	s.mu.Lock()
	sess.Cart[c.Param("id")]++
	s.mu.Unlock()
	c.Status(http.StatusNoContent)
}

var words = strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim minim veniam quis nostrud exercitation ullamco laboris nisi aliquip commodo consequat")

func sentence(r *rand.Rand, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = words[r.Intn(len(words))]
	}
	return strings.Join(parts, " ")
}

func workload(base string, requests int, cats []string) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	r := rand.New(rand.NewSource(42))
	var ids []string
	sessions := make([]string, 64)
	for i := range sessions {
		sessions[i] = uuid.NewString()
	}
	do := func(method, path string, body []byte, session string) ([]byte, error) {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Session", session)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	for i := 0; i < requests; i++ {
		sess := sessions[r.Intn(len(sessions))]
		switch {
		case i < 200 || r.Intn(4) == 0:
			p := Product{
				Name: sentence(r, 3), Category: cats[r.Intn(len(cats))], Price: float64(r.Intn(10000)) / 100,
				Tags: strings.Fields(sentence(r, 1+r.Intn(5))), Description: sentence(r, 20+r.Intn(60)),
				Attributes: map[string]any{"weight": r.Float64() * 10, "color": words[r.Intn(len(words))], "stock": r.Intn(500), "dims": []any{r.Intn(50), r.Intn(50), r.Intn(50)}},
				Reviews:    []Review{{Author: sentence(r, 1), Stars: 1 + r.Intn(5), Text: sentence(r, 12)}},
				Meta:       map[string]string{"source": "import", "batch": fmt.Sprint(i / 100)},
			}
			buf, _ := json.Marshal(p)
			out, err := do("POST", "/products", buf, sess)
			if err != nil {
				return err
			}
			var created struct{ ID string }
			if json.Unmarshal(out, &created) == nil && created.ID != "" {
				ids = append(ids, created.ID)
			}
		case r.Intn(3) == 0:
			if _, err := do("GET", "/products/"+ids[r.Intn(len(ids))]+"/html", nil, sess); err != nil {
				return err
			}
		case r.Intn(5) == 0:
			if _, err := do("POST", "/cart/"+ids[r.Intn(len(ids))], nil, sess); err != nil {
				return err
			}
		default:
			if _, err := do("GET", "/products/"+ids[r.Intn(len(ids))], nil, sess); err != nil {
				return err
			}
		}
	}
	return nil
}

func main() {
	requests := flag.Int("requests", 6000, "requests of the workload")
	dump := flag.String("dump", "catalog.heapdump", "heap dump to write")
	dbPath := flag.String("db", "", "bbolt file (default: a temporary one)")
	rate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate (0: Go's default)")
	flag.Parse()
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	gin.SetMode(gin.ReleaseMode)
	if *dbPath == "" {
		f, _ := os.CreateTemp("", "catalog-*.db")
		f.Close()
		*dbPath = f.Name()
		defer os.Remove(*dbPath)
	}
	s, err := newServer(*dbPath)
	if err != nil {
		panic(err)
	}
	global = s
	r := gin.New()
	r.Use(gin.Recovery())
	r.POST("/products", s.metrics("create"), s.createProduct)
	r.GET("/products/:id", s.metrics("get"), s.getProduct)
	r.GET("/products/:id/html", s.metrics("render"), s.renderProduct)
	r.POST("/cart/:id", s.metrics("cart"), s.addToCart)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: r}
	go srv.Serve(ln)
	if err := workload("http://"+ln.Addr().String(), *requests, s.cfg.Categories); err != nil {
		panic(err)
	}
	time.Sleep(200 * time.Millisecond) // ristretto applies its buffered sets
	runtime.GC()
	runtime.GC()
	f, err := os.Create(*dump)
	if err != nil {
		panic(err)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("wrote %s: HeapAlloc %d HeapObjects %d\n", *dump, ms.HeapAlloc, ms.HeapObjects)
	runtime.KeepAlive(s)
}
