package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// target is a server under test: a name for the output and its address.
type target struct{ name, addr string }

// targetList is the repeated --target NAME=ADDR flag.
type targetList []target

func (l *targetList) String() string {
	var s []string
	for _, t := range *l {
		s = append(s, t.name+"="+t.addr)
	}
	return strings.Join(s, ",")
}

func (l *targetList) Set(v string) error {
	name, addr, ok := strings.Cut(v, "=")
	if !ok || name == "" || addr == "" {
		return errors.New("want NAME=HOST:PORT")
	}
	*l = append(*l, target{name, addr})
	return nil
}

// sample is one measurement of one round: named values, e.g. rate and mbps.
type sample map[string]float64

// interleave runs rounds over the targets in turn (t1, t2, t1, t2...),
// so that the machine's other load falls on each alike, then prints for
// each target and key the median of the rounds and the samples.
func interleave(out io.Writer, prefix string, targets []target, rounds int, run func(t target) (sample, error)) error {
	if len(targets) == 0 || rounds < 1 {
		return errors.New("need at least one --target and one round")
	}
	got := make(map[string][]sample)
	for r := range rounds {
		for _, t := range targets {
			s, err := run(t)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", t.name, r+1, err)
			}
			got[t.name] = append(got[t.name], s)
		}
	}
	for _, t := range targets {
		keys := make([]string, 0, len(got[t.name][0]))
		for k := range got[t.name][0] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			var vs []string
			var xs []float64
			for _, s := range got[t.name] {
				xs = append(xs, s[k])
				vs = append(vs, fmt.Sprintf("%.6g", s[k]))
			}
			fmt.Fprintf(out, "%s.%s.%s %.6f\n", prefix, t.name, k, median(xs))
			fmt.Fprintf(out, "%s.%s.%s_samples %s\n", prefix, t.name, k, strings.Join(vs, ","))
		}
	}
	return nil
}

// median of xs; the mean of the middle two for an even count.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
