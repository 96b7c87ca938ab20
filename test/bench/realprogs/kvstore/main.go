// kvstore: a real etcd server (go.etcd.io/etcd/embed, v3.4 from Debian's sources) under a
// client workload over gRPC on loopback: puts across prefixes, leases that keep session keys
// alive, watchers, transactions, range reads, deletes and a compaction. Then it writes a
// heap dump of the process (server and client side by side, as an embedded etcd runs).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/embed"
)

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func value(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "%x", r.Uint64())
	}
	return b.String()[:n]
}

func main() {
	keys := flag.Int("keys", 20000, "keys written by the workload")
	dump := flag.String("dump", "kvstore.heapdump", "heap dump to write")
	rate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate (0: Go's default)")
	flag.Parse()
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	dir, err := os.MkdirTemp("", "kvstore-*")
	check(err)
	defer os.RemoveAll(dir)

	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	client, _ := url.Parse("http://127.0.0.1:23791")
	peer, _ := url.Parse("http://127.0.0.1:23801")
	cfg.LCUrls, cfg.ACUrls = []url.URL{*client}, []url.URL{*client}
	cfg.LPUrls, cfg.APUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	e, err := embed.StartEtcd(cfg)
	check(err)
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		panic("etcd did not start")
	}

	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{client.String()}, DialTimeout: 5 * time.Second})
	check(err)
	defer cli.Close()
	ctx := context.Background()

	// Watchers on every prefix, each keeping the last events it saw.
	prefixes := []string{"/users/", "/orders/", "/config/", "/sessions/", "/inventory/"}
	var mu sync.Mutex
	seen := map[string][]string{}
	wctx, stopWatch := context.WithCancel(ctx)
	for _, p := range prefixes {
		ch := cli.Watch(wctx, p, clientv3.WithPrefix())
		go func(p string, ch clientv3.WatchChan) {
			for resp := range ch {
				mu.Lock()
				for _, ev := range resp.Events {
					seen[p] = append(seen[p], string(ev.Kv.Key))
					if len(seen[p]) > 500 {
						seen[p] = seen[p][1:]
					}
				}
				mu.Unlock()
			}
		}(p, ch)
	}

	// Sessions: keys bound to leases kept alive.
	var leases []clientv3.LeaseID
	for i := 0; i < 50; i++ {
		l, err := cli.Grant(ctx, 300)
		check(err)
		leases = append(leases, l.ID)
		ka, err := cli.KeepAlive(ctx, l.ID)
		check(err)
		go func() {
			for range ka {
			}
		}()
	}

	// Writers on four goroutines.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := w; i < *keys; i += 4 {
				p := prefixes[i%len(prefixes)]
				k := fmt.Sprintf("%s%06d", p, i)
				var err error
				switch {
				case p == "/sessions/":
					_, err = cli.Put(ctx, k, value(r, 64), clientv3.WithLease(leases[i%len(leases)]))
				case i%7 == 0:
					_, err = cli.Txn(ctx).If(clientv3.Compare(clientv3.Version(k), "=", 0)).
						Then(clientv3.OpPut(k, value(r, 200))).Else(clientv3.OpGet(k)).Commit()
				default:
					_, err = cli.Put(ctx, k, value(r, 100+r.Intn(400)))
				}
				check(err)
				if i%50 == 0 {
					_, err = cli.Get(ctx, p, clientv3.WithPrefix(), clientv3.WithLimit(100))
					check(err)
				}
				if i%11 == 0 && i > 100 {
					_, err = cli.Delete(ctx, fmt.Sprintf("%s%06d", p, i-100))
					check(err)
				}
			}
		}(w)
	}
	wg.Wait()
	// Overwrite a share of the keys, then compact half the history.
	r := rand.New(rand.NewSource(99))
	var last int64
	for i := 0; i < *keys/4; i++ {
		resp, err := cli.Put(ctx, fmt.Sprintf("/orders/%06d", r.Intn(*keys)), value(r, 150))
		check(err)
		last = resp.Header.Revision
	}
	_, err = cli.Compact(ctx, last/2)
	check(err)
	resp, err := cli.Get(ctx, "/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	check(err)
	time.Sleep(300 * time.Millisecond)

	runtime.GC()
	runtime.GC()
	f, err := os.Create(*dump)
	check(err)
	debug.WriteHeapDump(f.Fd())
	f.Close()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("wrote %s: %d keys live, HeapAlloc %d HeapObjects %d\n", *dump, resp.Count, ms.HeapAlloc, ms.HeapObjects)
	stopWatch()
	runtime.KeepAlive(seen)
}
