package main

import (
	"sync"
	"time"
)

// Background goroutines, each blocked in its own way when the dump is written.

var (
	jobs      = make(chan int)       // nobody sends: the workers wait in chan receive
	results   = make(chan string, 1) // full: the reporter waits in chan send
	stuck     sync.Mutex             // held forever: lockers wait on it
	ready     sync.WaitGroup         // never done: the waiter waits
	condMu    sync.Mutex
	condition = sync.NewCond(&condMu)
)

func startBackground() {
	for w := 0; w < 6; w++ {
		go worker(w)
	}
	results <- "first"
	go reporter()
	stuck.Lock()
	for k := 0; k < 3; k++ {
		go lockStuck(k)
	}
	ready.Add(1)
	go awaitReady()
	go awaitCondition()
	go sleeper()
	go ticker()
	time.Sleep(20 * time.Millisecond) // let them all block
}

// worker waits for jobs that never come.
func worker(id int) {
	buf := make([]byte, 256+id)
	for j := range jobs {
		buf[0] = byte(j)
	}
}

// reporter blocks sending to a full channel.
func reporter() {
	results <- "second"
}

// lockStuck blocks on a mutex that is never unlocked.
func lockStuck(k int) {
	stuck.Lock()
	defer stuck.Unlock()
	_ = k
}

func awaitReady() {
	ready.Wait()
}

func awaitCondition() {
	condMu.Lock()
	condition.Wait()
	condMu.Unlock()
}

func sleeper() {
	time.Sleep(time.Hour)
}

// ticker waits in a select on a slow ticker and a channel nobody closes.
func ticker() {
	t := time.NewTicker(time.Hour)
	done := make(chan struct{})
	for {
		select {
		case <-t.C:
		case <-done:
			return
		}
	}
}
