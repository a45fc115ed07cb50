package pop3d

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

// poplibClient is run by python3 with the server's host, port and CA
// file; it prints one JSON object of what poplib saw. Bodies are latin-1
// strings of the lines joined with CRLF, as poplib un-stuffs them.
const poplibClient = `
import json, poplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = {}
def body(lines):
    return "".join(l.decode("latin-1") + "\r\n" for l in lines)
p = poplib.POP3(host, port, timeout=20)
out["welcome"] = p.getwelcome().decode()
out["capa_clear"] = sorted(p.capa().keys())
ctx = ssl.create_default_context(cafile=cafile)
p.stls(context=ctx)
out["capa_tls"] = sorted(p.capa().keys())
p.user("alice@example.org")
p.pass_("alice-secret")
out["stat"] = list(p.stat())
resp, lines, _ = p.list()
out["list"] = [l.decode() for l in lines]
out["list2"] = p.list(2).decode()
resp, lines, _ = p.uidl()
out["uidl"] = [l.decode() for l in lines]
out["retr"] = []
for i in range(1, len(out["list"]) + 1):
    resp, lines, octets = p.retr(i)
    out["retr"].append([resp.decode(), body(lines)])
resp, lines, _ = p.top(1, 0)
out["top0"] = body(lines)
resp, lines, _ = p.top(2, 2)
out["top2"] = body(lines)
out["dele"] = p.dele(1).decode()
try:
    p.retr(1)
    out["retr_deleted"] = "ok"
except poplib.error_proto as e:
    out["retr_deleted"] = str(e)
out["rset"] = p.rset().decode()
out["noop"] = p.noop().decode()
p.dele(3)
out["quit"] = p.quit().decode()
p = poplib.POP3(host, port, timeout=20)
p.stls(context=ctx)
p._putcmd("AUTH PLAIN " + __import__("base64").b64encode(b"\0alice@example.org\0alice-secret").decode())
out["auth"] = p._getresp().decode()
out["stat_after"] = list(p.stat())
p.quit()
print(json.dumps(out))
`

func TestPythonPoplib(t *testing.T) {
	t.Parallel()
	py := mailtest.Tool(t, "python3", "python3")
	cfg, _ := selfSigned(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cfg.Certificates[0].Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{opts: Options{TLSConfig: cfg, LoopbackInsecure: true}})
	bodies := []string{msgCRLF, msgLF, msgNoEnd}
	for _, b := range bodies {
		e.deliver(alice, b)
	}
	host, port, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(py, "-c", poplibClient, host, port, caFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 poplib client: %v\n%s", err, stderr.String())
	}
	var got struct {
		Welcome     string
		CapaClear   []string `json:"capa_clear"`
		CapaTLS     []string `json:"capa_tls"`
		Stat        []int
		List        []string
		List2       string
		UIDL        []string
		Retr        [][2]string
		Top0        string
		Top2        string
		Dele        string
		RetrDeleted string `json:"retr_deleted"`
		Rset        string
		Noop        string
		Quit        string
		Auth        string
		StatAfter   []int `json:"stat_after"`
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("client output %q: %v", outb, err)
	}
	if want := "AUTH-RESP-CODE,IMPLEMENTATION,PIPELINING,RESP-CODES,STLS,TOP,UIDL"; strings.Join(got.CapaClear, ",") != want {
		t.Errorf("CAPA in clear = %v, want %s", got.CapaClear, want)
	}
	if want := "AUTH-RESP-CODE,IMPLEMENTATION,PIPELINING,RESP-CODES,SASL,TOP,UIDL,USER"; strings.Join(got.CapaTLS, ",") != want {
		t.Errorf("CAPA under TLS = %v, want %s", got.CapaTLS, want)
	}
	total := 0
	for i, b := range bodies {
		total += len(sentForm(b))
		if want := fmt.Sprintf("%d %d", i+1, len(sentForm(b))); i >= len(got.List) || got.List[i] != want {
			t.Errorf("LIST line %d = %v, want %q", i+1, got.List, want)
		}
		if i >= len(got.Retr) {
			t.Fatalf("RETR results = %d, want %d", len(got.Retr), len(bodies))
		}
		if want := fmt.Sprintf("+OK %d octets", len(sentForm(b))); got.Retr[i][0] != want {
			t.Errorf("RETR %d reply = %q, want %q", i+1, got.Retr[i][0], want)
		}
		if got.Retr[i][1] != sentForm(b) {
			t.Errorf("RETR %d = %q, want %q", i+1, got.Retr[i][1], sentForm(b))
		}
	}
	if len(got.Stat) != 2 || got.Stat[0] != 3 || got.Stat[1] != total {
		t.Errorf("STAT = %v, want [3 %d]", got.Stat, total)
	}
	if want := fmt.Sprintf("+OK 2 %d", len(sentForm(msgLF))); got.List2 != want {
		t.Errorf("LIST 2 = %q, want %q", got.List2, want)
	}
	if len(got.UIDL) != 3 {
		t.Errorf("UIDL = %v", got.UIDL)
	}
	if want := "Subject: one\r\nFrom: a@example.net\r\n\r\n"; got.Top0 != want {
		t.Errorf("TOP 1 0 = %q, want %q", got.Top0, want)
	}
	if want := "Subject: two\r\nX-Dots: yes\r\n\r\n.starts with a dot\r\n..two dots\r\n"; got.Top2 != want {
		t.Errorf("TOP 2 2 = %q, want %q", got.Top2, want)
	}
	for name, pair := range map[string][2]string{
		"DELE":            {got.Dele, "+OK message 1 deleted"},
		"RETR of deleted": {got.RetrDeleted, "b'-ERR message already deleted'"},
		"RSET":            {got.Rset, "+OK maildrop has 3 messages"},
		"NOOP":            {got.Noop, "+OK"},
		"QUIT":            {got.Quit, "+OK pop.example.org POP3 server signing off (2 messages left)"},
		"AUTH":            {got.Auth, "+OK maildrop locked and ready, 2 messages"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}
	if want := total - len(sentForm(msgNoEnd)); len(got.StatAfter) != 2 || got.StatAfter[0] != 2 || got.StatAfter[1] != want {
		t.Errorf("STAT in the next session = %v, want [2 %d]", got.StatAfter, want)
	}
}
