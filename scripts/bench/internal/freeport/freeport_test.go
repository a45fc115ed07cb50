package freeport

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommandPrintsDistinctPorts(t *testing.T) {
	var out bytes.Buffer
	if err := Command([]string{"--n", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(out.String())
	if len(lines) != 3 || lines[0] == lines[1] || lines[1] == lines[2] || lines[0] == lines[2] {
		t.Fatalf("ports = %q", lines)
	}
}
