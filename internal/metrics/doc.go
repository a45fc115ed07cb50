// Package metrics holds axd's Prometheus registry and serves it on the
// metrics listener. Packages that count things get their collectors from
// here through their Options; there is no global registry.
package metrics
