package smtpd

import (
	"sync"
	"time"
)

// rateWindow is the window of the messages-per-hour limit.
const rateWindow = time.Hour

// hourlyCounter counts each account's messages over a sliding hour: the
// times of its messages in the last hour, oldest first. Memory is bounded
// by the limits: an account never holds more times than its limit. It
// lives in memory only, shared by the sessions of one Server, and starts
// empty on every restart.
type hourlyCounter struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func newHourlyCounter() *hourlyCounter {
	return &hourlyCounter{times: make(map[string][]time.Time)}
}

// prune drops account's times older than the window; the caller holds
// h.mu.
func (h *hourlyCounter) prune(account string, now time.Time) []time.Time {
	ts := h.times[account]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-rateWindow)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(h.times, account)
		return nil
	}
	h.times[account] = ts
	return ts
}

// full reports whether account has sent limit messages in the hour to
// now; limit <= 0 means no limit.
func (h *hourlyCounter) full(account string, limit int64, now time.Time) bool {
	if limit <= 0 {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return int64(len(h.prune(account, now))) >= limit
}

// take counts one message of account at now if the limit allows it, and
// reports whether it did. A message whose delivery then fails is given
// back with giveBack.
func (h *hourlyCounter) take(account string, limit int64, now time.Time) bool {
	if limit <= 0 {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ts := h.prune(account, now)
	if int64(len(ts)) >= limit {
		return false
	}
	h.times[account] = append(ts, now)
	return true
}

// giveBack removes a time take recorded.
func (h *hourlyCounter) giveBack(account string, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ts := h.times[account]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			h.times[account] = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(h.times[account]) == 0 {
		delete(h.times, account)
	}
}
