package listener

// Stats is a listener's live state, for `axctl listener list`.
type Stats struct {
	Name        string            `json:"name"`
	Addr        string            `json:"addr"`
	Active      int               `json:"active"`
	MaxSessions int               `json:"max_sessions"`
	Accepted    uint64            `json:"accepted"`
	Refused     map[string]uint64 `json:"refused"` // by Reason.String(), non-zero only
	Dropped     uint64            `json:"dropped"` // sessions a Guard dropped
	Rules       []RuleStats       `json:"rules"`
}

// RuleStats is one rule's live state.
type RuleStats struct {
	Rule     Rule   `json:"rule"`
	Active   int    `json:"active"`
	ActiveIP int    `json:"active_ips"` // distinct remote IPs connected
	Accepted uint64 `json:"accepted"`
	Refused  uint64 `json:"refused"`
}

// Stats returns a snapshot of the listener's state.
func (l *Listener) Stats() Stats {
	s := Stats{
		Name:        l.opts.Name,
		Addr:        l.Addr().String(),
		MaxSessions: l.opts.MaxSessions,
		Accepted:    l.accepted.Load(),
		Dropped:     l.dropped.Load(),
		Refused:     map[string]uint64{},
		Rules:       make([]RuleStats, len(l.perRule)),
	}
	for r := Reason(1); r < numReasons; r++ {
		if n := l.refused[r].Load(); n > 0 {
			s.Refused[r.String()] = n
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s.Active = l.active
	for i := range l.perRule {
		st := &l.perRule[i]
		s.Rules[i] = RuleStats{Rule: l.rules.Rule(i), Active: st.active, ActiveIP: len(st.perIP), Accepted: st.accepted, Refused: st.refused}
	}
	return s
}
