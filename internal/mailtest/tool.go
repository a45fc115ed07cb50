package mailtest

import (
	"os"
	"os/exec"
	"testing"
)

// Tool finds an external program a test drives (python3, swaks,
// smtp-source, mbsync...). Without it the test is skipped, except under
// CI=true, where .ci/run installs every such tool and a missing one fails
// the test. debianPackage names what provides it, for the message.
func Tool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		// Postfix's tools live in /usr/sbin, which a user's PATH may lack.
		if _, serr := os.Stat("/usr/sbin/" + name); serr == nil {
			return "/usr/sbin/" + name
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (Debian package %s) is required under CI=true: %v", name, debianPackage, err)
		}
		t.Skipf("%s (Debian package %s) not found: %v", name, debianPackage, err)
	}
	return p
}
