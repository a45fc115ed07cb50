// Command importbench is scripts/bench/import.sh's helper:
//
//	importbench gen --rows N --domains D [--plaintext] [--prefix P] > FILE.csv
//	importbench hashtime --scheme S [--bcrypt-cost C | --argon2-memory KiB ...] [--n N]
//	importbench latency --socket PATH --axctl PATH --accounts N --domains D [--api N] [--exec N]
//	importbench direct --file FILE.csv --dir DIR [--batch N]
//
// gen writes an import file of N accounts spread over D domains, each
// with a pre-hashed password ({SHA512-CRYPT}, from a handful of distinct
// precomputed hashes) or with --plaintext a plaintext one. hashtime
// prints the mean seconds of one hash of the scheme on one goroutine, as
// axctl's hashing workers each do it. latency prints p50 and p99 in
// milliseconds of showing a random account, through the control API
// (GET /v1/accounts/{email}) and by running axctl account show. direct
// is the peer of axctl import: it reads the same file with the same
// parser and imports it straight into a new directory in DIR, in
// batches, in process: no socket, no JSON, no daemon. It prints the
// seconds it took.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/axmail/axmail/internal/accountcsv"
	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: importbench gen|hashtime|latency [flags]")
		os.Exit(64)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "hashtime":
		err = hashtime(os.Args[2:])
	case "latency":
		err = latency(os.Args[2:])
	case "direct":
		err = direct(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		os.Exit(1)
	}
}

// hashes are SHA512-CRYPT hashes of "secret" (doveadm pw -s SHA512-CRYPT);
// rows share them, which is all a bulk import needs.
var hashes = []string{
	"{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/",
	"{SHA512-CRYPT}$6$rounds=10000$b/eaLRgpHR8MGedn$cf8tB4dXaoOTWuByqTgRifyktp14O8rduvQfFictifShd/LnwaPUKoSO5UF3dAgDx.37MS9zP5wuzvqorCIYg.",
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	rows := fs.Int("rows", 100000, "accounts")
	domains := fs.Int("domains", 10, "domains")
	plaintext := fs.Bool("plaintext", false, "plaintext passwords instead of hashes")
	prefix := fs.String("prefix", "user", "local part prefix")
	suffix := fs.String("domain-suffix", ".example", "domain names are dom<N><suffix>")
	_ = fs.Parse(args)
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if *plaintext {
		fmt.Fprintln(w, "email,password,quota,display_name,aliases")
	} else {
		fmt.Fprintln(w, "email,password_hash,quota,display_name,aliases")
	}
	for i := range *rows {
		dom := fmt.Sprintf("dom%d%s", i%*domains, *suffix)
		pw := hashes[i%len(hashes)]
		if *plaintext {
			pw = fmt.Sprintf("pw-%08x-%d", rand.Uint32(), i)
		}
		quota, alias := "", ""
		if i%7 == 0 {
			quota = "1G"
		}
		if i%10 == 0 {
			alias = fmt.Sprintf("alias-%s%07d@%s", *prefix, i, dom)
		}
		fmt.Fprintf(w, "%s%07d@%s,%s,%s,User %d,%s\n", *prefix, i, dom, pw, quota, i, alias)
	}
	return w.Flush()
}

func hashtime(args []string) error {
	fs := flag.NewFlagSet("hashtime", flag.ExitOnError)
	scheme := fs.String("scheme", "argon2id", "argon2id or bcrypt")
	cost := fs.Int("bcrypt-cost", 10, "bcrypt cost")
	mem := fs.Uint("argon2-memory", 64*1024, "argon2 memory in KiB")
	tm := fs.Uint("argon2-time", 1, "argon2 passes")
	threads := fs.Uint("argon2-threads", 1, "argon2 threads")
	n := fs.Int("n", 100, "hashes to time")
	_ = fs.Parse(args)
	h, err := auth.NewHasher(auth.Options{Scheme: auth.Scheme(*scheme), BcryptCost: *cost, Argon2MemoryKiB: uint32(*mem),
		Argon2Time: uint32(*tm), Argon2Threads: uint8(*threads)})
	if err != nil {
		return err
	}
	for range 3 { // warm up
		if _, err := h.Hash([]byte("warm-up")); err != nil {
			return err
		}
	}
	start := time.Now()
	for i := range *n {
		if _, err := h.Hash(fmt.Appendf(nil, "pw-%d", i)); err != nil {
			return err
		}
	}
	fmt.Printf("%.6f\n", time.Since(start).Seconds()/float64(*n))
	return nil
}

func latency(args []string) error {
	fs := flag.NewFlagSet("latency", flag.ExitOnError)
	socket := fs.String("socket", "", "axd's control socket")
	axctl := fs.String("axctl", "", "the axctl binary")
	accounts := fs.Int("accounts", 100000, "accounts gen wrote")
	domains := fs.Int("domains", 10, "domains gen wrote")
	apiN := fs.Int("api", 2000, "control API requests")
	execN := fs.Int("exec", 300, "axctl account show runs")
	_ = fs.Parse(args)
	email := func() string {
		i := rand.IntN(*accounts)
		return fmt.Sprintf("user%07d@dom%d.example", i, i%*domains)
	}
	c := control.NewClient(*socket)
	ctx := context.Background()
	var api, proc []time.Duration
	for range *apiN {
		e := email()
		start := time.Now()
		if _, err := c.Account(ctx, e); err != nil {
			return fmt.Errorf("show %s: %w", e, err)
		}
		api = append(api, time.Since(start))
	}
	for range *execN {
		e := email()
		start := time.Now()
		if out, err := exec.Command(*axctl, "--socket", *socket, "account", "show", e).CombinedOutput(); err != nil {
			return fmt.Errorf("axctl account show %s: %v\n%s", e, err, out)
		}
		proc = append(proc, time.Since(start))
	}
	p := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	fmt.Printf("api %.3f %.3f\nexec %.3f %.3f\n", p(api, 0.50), p(api, 0.99), p(proc, 0.50), p(proc, 0.99))
	return nil
}

func direct(args []string) error {
	fs := flag.NewFlagSet("direct", flag.ExitOnError)
	file := fs.String("file", "", "the import file")
	dir := fs.String("dir", "", "a directory for the new directory file")
	batch := fs.Int("batch", 1000, "rows per transaction")
	_ = fs.Parse(args)
	start := time.Now()
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := directory.Open(directory.Options{Path: filepath.Join(*dir, directory.FileName)})
	if err != nil {
		return err
	}
	defer d.Close()
	rd, err := accountcsv.NewReader(f, accountcsv.Options{})
	if err != nil {
		return err
	}
	opts := directory.ImportOptions{Mode: directory.ImportCreate, CreateDomains: true}
	var rows []directory.ImportRow
	created := 0
	flush := func() error {
		res, err := d.Import(context.Background(), rows, opts)
		if err != nil {
			return err
		}
		created += directory.Count(res).Created
		rows = rows[:0]
		return nil
	}
	for {
		r, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if r.Reject != "" {
			return fmt.Errorf("line %d: %s", r.Line, r.Reject)
		}
		rows = append(rows, directory.ImportRow{Line: r.Line, Email: r.Email, PasswordHash: directory.PasswordHash(r.PasswordHash),
			Quota: r.Quota, MaxMessageSize: r.MaxMessageSize, DisplayName: r.DisplayName, Enabled: r.Enabled, Aliases: r.Aliases})
		if len(rows) == *batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Printf("%.6f %d\n", time.Since(start).Seconds(), created)
	return nil
}
