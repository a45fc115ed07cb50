package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/textproto"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

// latency sends a bounded number of messages over a fixed number of
// connections and prints the DATA-end-to-250 times: the part of a
// transaction in which the server makes the message durable.
func latency(args []string) error {
	fs := flag.NewFlagSet("latency", flag.ExitOnError)
	addr := fs.String("addr", "", "server HOST:PORT")
	messages := fs.Int("messages", 4000, "messages in all")
	conns := fs.Int("conns", 16, "connections")
	size := fs.Int("size", 8192, "message size in bytes")
	users := fs.Int("users", 100, "recipients <i>u@domain, i in 1..users")
	domain := fs.String("domain", "bench.test", "recipient domain")
	prefix := fs.String("prefix", "latency", "key prefix")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after")
	_ = fs.Parse(args)
	if *messages < 1 || *conns < 1 || *users < 1 {
		return errors.New("--messages, --conns and --users must be positive")
	}
	deadline := time.Now().Add(*timeout)
	var next atomic.Int64
	lat := make([][]time.Duration, *conns)
	errs := make([]error, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range *conns {
		wg.Go(func() {
			lat[w], errs[w] = sendLoop(*addr, deadline, func() (int, bool) {
				i := int(next.Add(1)) - 1
				return i, i < *messages
			}, func(i int) string { return fmt.Sprintf("%du@%s", i%*users+1, *domain) }, *size)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }
	fmt.Printf("%s.messages %d\n", *prefix, len(all))
	fmt.Printf("%s.conns %d\n", *prefix, *conns)
	fmt.Printf("%s.seconds %.3f\n", *prefix, elapsed.Seconds())
	fmt.Printf("%s.rate %.1f\n", *prefix, float64(len(all))/elapsed.Seconds())
	fmt.Printf("%s.p50_ms %s\n", *prefix, ms(quantile(all, 0.50)))
	fmt.Printf("%s.p99_ms %s\n", *prefix, ms(quantile(all, 0.99)))
	fmt.Printf("%s.max_ms %s\n", *prefix, ms(all[len(all)-1]))
	return nil
}

// quantile of sorted durations, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sendLoop runs one connection: transactions while take hands out
// message numbers, each timed from the final dot to its reply.
func sendLoop(addr string, deadline time.Time, take func() (int, bool), rcpt func(int) string, size int) ([]time.Duration, error) {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	if err := nc.SetDeadline(deadline); err != nil {
		return nil, err
	}
	c := textproto.NewConn(nc)
	if _, _, err := c.ReadResponse(220); err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if err := cmd(c, 250, "EHLO bench.client"); err != nil {
		return nil, err
	}
	var out []time.Duration
	for {
		i, ok := take()
		if !ok {
			break
		}
		if err := cmd(c, 250, "MAIL FROM:<bench@bench.client>"); err != nil {
			return out, err
		}
		if err := cmd(c, 250, "RCPT TO:<%s>", rcpt(i)); err != nil {
			return out, err
		}
		if err := cmd(c, 354, "DATA"); err != nil {
			return out, err
		}
		dw := c.DotWriter()
		if _, err := dw.Write(benchmsg.Message(i, size)); err != nil {
			return out, err
		}
		// Close writes the final dot and flushes: the clock starts
		// when the server can see the end of the message.
		t0 := time.Now()
		if err := dw.Close(); err != nil {
			return out, err
		}
		if _, _, err := c.ReadResponse(250); err != nil {
			return out, fmt.Errorf("end of data, message %d: %w", i, err)
		}
		out = append(out, time.Since(t0))
	}
	_ = cmd(c, 221, "QUIT")
	return out, nil
}

// cmd sends one command and reads its reply, which must have code want.
func cmd(c *textproto.Conn, want int, format string, args ...any) error {
	if err := c.PrintfLine(format, args...); err != nil {
		return err
	}
	if _, _, err := c.ReadResponse(want); err != nil {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	return nil
}
