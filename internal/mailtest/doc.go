// Package mailtest starts real axmail binaries for tests, as httptest
// starts servers: it builds the commands once per test process and runs
// axd on a temporary data dir with its control socket and loopback ports,
// stopping it when the test ends.
package mailtest
