package main

import (
	"fmt"
	"strings"
	"sync"
)

// OrderIndex is the leak: every order is indexed here and never removed, so the map and
// everything its orders point to stay reachable from this global.
var OrderIndex = &Index{byID: make(map[string]*Order)}

// History is a second, slower leak: an event log that only grows.
var History []*Event

type Index struct {
	mu   sync.Mutex
	byID map[string]*Order
}

type Customer struct {
	Name    string
	Email   string
	Tags    []string
	Premium bool
}

type LineItem struct {
	SKU      string
	Quantity int
	Cents    int64
}

type Order struct {
	ID       string
	Customer *Customer
	Items    []LineItem
	Receipt  []byte // the rendered receipt, kept "for support"
	Notes    map[string]string
	Previous *Order // the customer's previous order
}

type Event struct {
	Seq  int
	Text string
}

type service struct {
	customers []*Customer
	lastOrder map[*Customer]*Order
}

func newService() *service {
	s := &service{lastOrder: make(map[*Customer]*Order)}
	for i := 0; i < 40; i++ {
		s.customers = append(s.customers, &Customer{
			Name:  fmt.Sprintf("customer-%02d", i),
			Email: fmt.Sprintf("c%02d@example.com", i),
			Tags:  []string{"retail"},
		})
	}
	return s
}

// handle serves requests [from, to).
func (s *service) handle(from, to int) {
	for i := from; i < to; i++ {
		s.placeOrder(i)
	}
}

// placeOrder creates an order and indexes it (the leaking allocation path).
func (s *service) placeOrder(i int) {
	c := s.customers[i%len(s.customers)]
	o := newOrder(i, c)
	o.Previous = s.lastOrder[c]
	s.lastOrder[c] = o
	OrderIndex.add(o)
	if i%8 == 0 {
		recordEvent(i, fmt.Sprintf("order %s for %s", o.ID, c.Name))
	}
	_ = summarize(o) // short-lived garbage
}

func newOrder(i int, c *Customer) *Order {
	items := make([]LineItem, 1+i%4)
	for k := range items {
		items[k] = LineItem{SKU: fmt.Sprintf("SKU-%04d", (i*7+k)%1000), Quantity: 1 + k, Cents: int64(199 * (k + 1))}
	}
	return &Order{
		ID:       fmt.Sprintf("ord-%07d", i),
		Customer: c,
		Items:    items,
		Receipt:  renderReceipt(i, items),
		Notes:    map[string]string{"channel": "web", "region": []string{"eu", "us", "ap"}[i%3]},
	}
}

// renderReceipt allocates the receipt bytes that every order retains.
func renderReceipt(i int, items []LineItem) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "receipt %d\n", i)
	for _, it := range items {
		fmt.Fprintf(&b, "%-10s x%d %8d\n", it.SKU, it.Quantity, it.Cents)
	}
	b.WriteString(strings.Repeat("-", 64+(i%5)*32))
	return []byte(b.String())
}

func (x *Index) add(o *Order) {
	x.mu.Lock()
	x.byID[o.ID] = o
	x.mu.Unlock()
}

func recordEvent(seq int, text string) {
	History = append(History, &Event{Seq: seq, Text: text})
}

func summarize(o *Order) string {
	parts := make([]string, 0, len(o.Items))
	for _, it := range o.Items {
		parts = append(parts, it.SKU)
	}
	return strings.Join(parts, ",")
}
