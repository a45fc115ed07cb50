package queue

// This file is the helper side of the kill -9 test in crash_test.go: the
// test binary re-executed with TestCrashHelper selected and a helperConfig
// in the environment. The helper enqueues and removes messages until the
// parent kills it with SIGKILL, and reports on stdout, one JSON line per
// event, what the queue acknowledged.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashHelperEnv holds the helper's JSON config; without it TestCrashHelper
// does nothing.
const crashHelperEnv = "AXMAIL_QUEUE_CRASH_HELPER"

// helperLifetime bounds a helper that nobody kills.
const helperLifetime = 30 * time.Second

type helperConfig struct {
	Dir     string `json:"dir"`
	Run     int    `json:"run"`
	Workers int    `json:"workers"`
}

// Events a helper reports.
const (
	evReady    = "ready"    // the queue is open
	evAdd      = "add"      // Enqueue returned nil
	evRemoving = "removing" // Remove is about to be called
	evRemoved  = "removed"  // Remove returned nil
)

type crashEvent struct {
	Ev   string `json:"ev"`
	ID   string `json:"id,omitempty"`
	Seed uint64 `json:"seed,omitempty"`
}

// crashMessage is the envelope and body of the message with the given
// seed. The seed is the ENVID, so any message found in the queue,
// acknowledged or not, can be regenerated and compared.
func crashMessage(seed uint64) (Envelope, []byte) {
	rng := rand.New(rand.NewPCG(seed, 0x51ed))
	env := Envelope{
		From:     fmt.Sprintf("s%d@example.org", rng.IntN(100)),
		EnvID:    strconv.FormatUint(seed, 10),
		Account:  "sender@example.org",
		ClientIP: "127.0.0.1",
		Ret:      []string{"", "FULL", "HDRS"}[rng.IntN(3)],
	}
	for i := range 1 + rng.IntN(4) {
		r := Recipient{Address: fmt.Sprintf("r%d-%d@remote.example", i, rng.IntN(1000))}
		if rng.IntN(2) == 0 {
			r.Notify = []string{"FAILURE", "DELAY"}
			r.ORcpt = "rfc822;" + r.Address
		}
		env.Recipients = append(env.Recipients, r)
	}
	size := 200 + rng.IntN(8000)
	if rng.IntN(10) == 0 {
		size = 64<<10 + rng.IntN(192<<10)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Subject: crash %d\r\n\r\n", seed)
	for b.Len() < size {
		fmt.Fprintf(&b, "%x\r\n", rng.Uint64())
	}
	return env, b.Bytes()
}

func makeSeed(run, worker, i int) uint64 { return uint64(run)<<40 | uint64(worker)<<32 | uint64(i) + 1 }

// TestCrashHelper is the helper process of TestKill9; run directly it does
// nothing.
func TestCrashHelper(t *testing.T) {
	raw := os.Getenv(crashHelperEnv)
	if raw == "" {
		return
	}
	var cfg helperConfig
	err := json.Unmarshal([]byte(raw), &cfg)
	if err == nil {
		err = runCrashHelper(cfg)
	}
	// The helper only ever ends by a kill; exiting here keeps the testing
	// package from writing its verdict into the report.
	fmt.Fprintf(os.Stderr, "crash helper: %v\n", err)
	os.Exit(2)
}

func runCrashHelper(cfg helperConfig) error {
	var q *Queue
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		q, err = Open(Options{Dir: cfg.Dir})
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return err
	}
	out := &eventWriter{w: os.Stdout}
	if err := out.emit(crashEvent{Ev: evReady}); err != nil {
		return err
	}
	failed := make(chan error, cfg.Workers)
	for w := range cfg.Workers {
		go func() { failed <- workLoop(q, cfg, w, out) }()
	}
	select {
	case err := <-failed:
		return err
	case <-time.After(helperLifetime):
		return errors.New("not killed in time")
	}
}

// workLoop enqueues messages and removes every third one it enqueued.
func workLoop(q *Queue, cfg helperConfig, worker int, out *eventWriter) error {
	for i := 0; ; i++ {
		seed := makeSeed(cfg.Run, worker, i)
		env, body := crashMessage(seed)
		m, err := q.Enqueue(context.Background(), env, body)
		if err != nil {
			return err
		}
		if err := out.emit(crashEvent{Ev: evAdd, ID: m.ID, Seed: seed}); err != nil {
			return err
		}
		if i%3 != 2 {
			continue
		}
		if err := out.emit(crashEvent{Ev: evRemoving, ID: m.ID}); err != nil {
			return err
		}
		if err := q.Remove(m.ID); err != nil {
			return err
		}
		if err := out.emit(crashEvent{Ev: evRemoved, ID: m.ID}); err != nil {
			return err
		}
	}
}

// eventWriter writes one event per line with one write each; a line is
// far below PIPE_BUF, so a kill never leaves half of one in the pipe.
type eventWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *eventWriter) emit(ev crashEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(b, '\n'))
	return err
}

// runHelper starts a helper, kills it with SIGKILL delay after its start
// (or after it reports ready, when afterReady), and returns every event it
// reported, in order, including those still in the pipe at the kill.
func runHelper(t *testing.T, cfg helperConfig, delay time.Duration, afterReady bool) []crashEvent {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan crashEvent, 1024)
	readErr := make(chan error, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ev crashEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				readErr <- fmt.Errorf("helper wrote %q: %v", sc.Text(), err)
				continue
			}
			lines <- ev
		}
	}()
	var events []crashEvent
	var fire <-chan time.Time
	if !afterReady {
		fire = time.After(delay)
	}
	stuck := time.After(20 * time.Second)
wait:
	for {
		select {
		case ev, ok := <-lines:
			if !ok {
				err := cmd.Wait()
				t.Fatalf("helper ended before its kill (%v); stderr:\n%s", err, stderr.String())
			}
			events = append(events, ev)
			if ev.Ev == evReady && fire == nil {
				fire = time.After(delay)
			}
		case <-fire:
			break wait
		case <-stuck:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("helper not ready within 20s; stderr:\n%s", stderr.String())
		}
	}
	_ = cmd.Process.Kill()
	for ev := range lines { // acknowledged before the kill, still in the pipe
		events = append(events, ev)
	}
	werr := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v, not by the kill; stderr:\n%s", werr, stderr.String())
	}
	select {
	case err := <-readErr:
		t.Fatal(err)
	default:
	}
	return events
}
