package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAppend8KiB appends 8 KiB messages from c goroutines and reports
// the mean group-commit batch size; scripts/bench/store.sh compares the
// rate with the serial fsync limit.
func BenchmarkAppend8KiB(b *testing.B) {
	body := testMessage(0, 8192)
	for _, c := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("c%d", c), func(b *testing.B) {
			s := openTest(b, Options{})
			ctx := context.Background()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for g := range c {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := s.Append(ctx, fmt.Sprintf("u%d", g%benchAccounts), Inbox, body, 0, nil, time.Time{}, Quota{}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			batches, n := s.CommitStats()
			if batches > 0 {
				b.ReportMetric(float64(n)/float64(batches), "msgs/batch")
			}
		})
	}
}

// benchAccounts spreads appends over this many INBOXes, as an MX does.
const benchAccounts = 64
