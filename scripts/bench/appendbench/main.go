// Command appendbench measures store appends at several concurrencies
// against the serial fsync limit of the same file system, in one run.
//
// It alternates a plain write+fdatasync loop of records of the message
// size to one file with store.Append runs at each concurrency, --rounds
// times over, so that every append run is framed by two fsync loops. A
// level's rate is its messages over its time summed over the rounds; its
// baseline is the mean of the fsync loops around its runs. Each run opens
// a fresh store in its own directory under --dir and is bounded by
// --count messages and --duration, whichever comes first.
//
// Results go to stdout as "key value" lines (rates in messages/s, times in
// seconds), a summary to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/scripts/bench/internal/benchmsg"
)

type options struct {
	dir           string
	levels        []int
	count         int
	duration      time.Duration
	size          int
	accounts      int
	fsyncCount    int
	fsyncDuration time.Duration
	rounds        int
	cpuProfile    string
}

func main() {
	var o options
	flag.StringVar(&o.dir, "dir", "", "scratch directory (on the file system to measure)")
	levels := flag.String("levels", "1,16,64", "comma-separated concurrencies")
	flag.IntVar(&o.count, "count", 3000, "messages per level at most")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "time per level at most")
	var size config.Size = 8 << 10
	flag.Var(&size, "size", "message size (bytes, or with K, M)")
	flag.IntVar(&o.accounts, "accounts", 64, "accounts (one INBOX each) the appends are spread over")
	flag.IntVar(&o.fsyncCount, "fsync-count", 1000, "records per fsync loop at most")
	flag.DurationVar(&o.fsyncDuration, "fsync-duration", 3*time.Second, "time per fsync loop at most")
	flag.IntVar(&o.rounds, "rounds", 2, "times to run every level, interleaved")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the append levels to this file")
	flag.Parse()
	o.size = int(size)
	for _, f := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "appendbench: bad level %q\n", f)
			os.Exit(64)
		}
		o.levels = append(o.levels, n)
	}
	if o.dir == "" || o.count < 1 || o.accounts < 1 || o.rounds < 1 {
		fmt.Fprintln(os.Stderr, "appendbench: --dir is required; --count, --accounts and --rounds must be positive")
		os.Exit(64)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "appendbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.dir, 0o750); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	body := benchmsg.Message(0, o.size)
	var fsyncs []float64
	measureFsync := func() error {
		i := len(fsyncs)
		r, err := fsyncLoop(filepath.Join(o.dir, fmt.Sprintf("fsync%d.dat", i)), body, o.fsyncCount, o.fsyncDuration)
		if err != nil {
			return err
		}
		fmt.Printf("fsync.%d.rate %.1f\n", i, r.rate())
		fmt.Printf("fsync.%d.max_ms %.2f\n", i, ms(r.max))
		fmt.Fprintf(os.Stderr, "fsync loop %d: %d records, %.0f/s (p50 %.1f ms, p99 %.1f ms, max %.1f ms)\n",
			i, r.n, r.rate(), ms(r.p50), ms(r.p99), ms(r.max))
		fsyncs = append(fsyncs, r.rate())
		return nil
	}
	// Every append run is framed by two fsync loops; a level's baseline is
	// the mean of the loops around its runs.
	runs := make(map[int][]timing)
	bases := make(map[int][]float64)
	if err := measureFsync(); err != nil {
		return err
	}
	for round := range o.rounds {
		for _, c := range o.levels {
			r, err := appendLevel(ctx, filepath.Join(o.dir, fmt.Sprintf("store-r%d-c%d", round, c)), body, c, o)
			if err != nil {
				return fmt.Errorf("concurrency %d: %w", c, err)
			}
			if err := measureFsync(); err != nil {
				return err
			}
			n := len(fsyncs)
			base := (fsyncs[n-2] + fsyncs[n-1]) / 2
			runs[c] = append(runs[c], r)
			bases[c] = append(bases[c], base)
			fmt.Fprintf(os.Stderr, "round %d, concurrency %d: %d appends in %.2fs, %.0f/s (p50 %.1f ms, p99 %.1f ms, max %.1f ms); fsync loops %.0f/s; ratio %.2f\n",
				round+1, c, r.n, r.elapsed.Seconds(), r.rate(), ms(r.p50), ms(r.p99), ms(r.max), base, r.rate()/base)
		}
	}
	for _, c := range o.levels {
		var all timing
		var lat []time.Duration
		for _, r := range runs[c] {
			all.n += r.n
			all.elapsed += r.elapsed
			lat = append(lat, r.lat...)
		}
		all.setPercentiles(lat)
		base := mean(bases[c])
		var ratios []string
		for i, r := range runs[c] {
			ratios = append(ratios, fmt.Sprintf("%.2f", r.rate()/bases[c][i]))
		}
		fmt.Printf("append.c%d.messages %d\n", c, all.n)
		fmt.Printf("append.c%d.seconds %.3f\n", c, all.elapsed.Seconds())
		fmt.Printf("append.c%d.rate %.1f\n", c, all.rate())
		fmt.Printf("append.c%d.p50_ms %.2f\n", c, ms(all.p50))
		fmt.Printf("append.c%d.p99_ms %.2f\n", c, ms(all.p99))
		fmt.Printf("append.c%d.max_ms %.2f\n", c, ms(all.max))
		fmt.Printf("append.c%d.fsync_rate %.1f\n", c, base)
		fmt.Printf("append.c%d.ratio %.2f\n", c, all.rate()/base)
		fmt.Printf("append.c%d.round_ratios %s\n", c, strings.Join(ratios, ","))
	}
	return nil
}

func mean(v []float64) float64 {
	var t float64
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// timing is a count of operations, their wall time and latencies.
type timing struct {
	n             int64
	elapsed       time.Duration
	lat           []time.Duration
	p50, p99, max time.Duration
}

func (t timing) rate() float64 { return float64(t.n) / t.elapsed.Seconds() }

func (t *timing) setPercentiles(lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	t.p50 = lat[len(lat)/2]
	t.p99 = lat[len(lat)*99/100]
	t.max = lat[len(lat)-1]
}

// fsyncLoop appends records to one new file, each followed by fdatasync
// (what the store does for each group commit).
func fsyncLoop(path string, rec []byte, max int, limit time.Duration) (timing, error) {
	var t timing
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return t, err
	}
	defer os.Remove(path)
	defer f.Close()
	start := time.Now()
	deadline := start.Add(limit)
	lat := make([]time.Duration, 0, max)
	for len(lat) < max && time.Now().Before(deadline) {
		t0 := time.Now()
		if _, err := f.Write(rec); err != nil {
			return t, err
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return t, err
		}
		lat = append(lat, time.Since(t0))
	}
	t.elapsed = time.Since(start)
	t.n = int64(len(lat))
	t.setPercentiles(lat)
	return t, nil
}

// appendLevel opens a fresh store and appends from c goroutines.
func appendLevel(ctx context.Context, dir string, body []byte, c int, o options) (timing, error) {
	var r timing
	s, err := store.Open(store.Options{DataDir: dir})
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	defer s.Close()
	// Every account's INBOX exists before the clock starts.
	for a := range o.accounts {
		if _, err := s.Append(ctx, account(a), store.Inbox, body, 0, nil, time.Time{}, store.Quota{}); err != nil {
			return r, err
		}
	}
	var next atomic.Int64
	lat := make([][]time.Duration, c)
	errs := make([]error, c)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(o.duration)
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := next.Add(1) - 1
				if i >= int64(o.count) {
					return
				}
				t := time.Now()
				if _, err := s.Append(ctx, account(int(i)%o.accounts), store.Inbox, body, 0, nil, time.Time{}, store.Quota{}); err != nil {
					errs[g] = err
					return
				}
				lat[g] = append(lat[g], time.Since(t))
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	for _, err := range errs {
		if err != nil {
			return r, err
		}
	}
	r.lat = slices.Concat(lat...)
	r.n = int64(len(r.lat))
	if r.n == 0 {
		return r, fmt.Errorf("no append finished")
	}
	r.setPercentiles(slices.Clone(r.lat))
	return r, nil
}

func account(a int) string { return fmt.Sprintf("user%d@example.org", a) }
