package directory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

const benchAccounts = 100_000

// benchRows makes n import rows over 10 domains, with argon2-sized hashes
// and one alias in ten, in file order or shuffled.
func benchRows(n int, shuffle bool) []ImportRow {
	rows := make([]ImportRow, n)
	for i := range rows {
		dom := fmt.Sprintf("dom%d.example", i%10)
		rows[i] = ImportRow{
			Line: i + 1, Email: fmt.Sprintf("user%06d@%s", i, dom), DisplayName: fmt.Sprintf("User %d", i),
			PasswordHash: PasswordHash(fmt.Sprintf("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ%06d$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", i)),
		}
		if i%10 == 0 {
			rows[i].Aliases = []string{fmt.Sprintf("alias%06d@%s", i, dom)}
		}
		if i%7 == 0 {
			rows[i].Quota = ptr[int64](1 << 30)
		}
	}
	if shuffle {
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	return rows
}

func importAll(tb testing.TB, d *Directory, rows []ImportRow, batch int, opts ImportOptions) {
	for i := 0; i < len(rows); i += batch {
		res, err := d.Import(context.Background(), rows[i:min(i+batch, len(rows))], opts)
		if err != nil {
			tb.Fatal(err)
		}
		if c := Count(res); c.Rejected > 0 {
			tb.Fatalf("rejected rows: %+v", res[0])
		}
	}
}

// BenchmarkImport imports 100,000 accounts in batches of 1,000 (one
// transaction and fsync each) into an empty directory.
func BenchmarkImport(b *testing.B) {
	for _, bc := range []struct {
		name    string
		shuffle bool
		mode    ImportMode
	}{{"ordered", false, ImportCreate}, {"shuffled", true, ImportCreate}, {"upsert-again", false, ImportUpsert}} {
		b.Run(bc.name, func(b *testing.B) {
			rows := benchRows(benchAccounts, bc.shuffle)
			opts := ImportOptions{Mode: bc.mode, CreateDomains: true}
			var written int64
			for b.Loop() {
				b.StopTimer()
				d, err := Open(Options{Path: filepath.Join(b.TempDir(), FileName)})
				if err != nil {
					b.Fatal(err)
				}
				if bc.mode == ImportUpsert {
					importAll(b, d, rows, 1000, opts)
				}
				st := d.db.Stats()
				w0 := st.TxStats.GetWrite()
				b.StartTimer()
				importAll(b, d, rows, 1000, opts)
				b.StopTimer()
				st = d.db.Stats()
				written = st.TxStats.GetWrite() - w0
				d.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e9, "s/100k")
			b.ReportMetric(float64(written), "page-writes/100k")
		})
	}
}

// benchDirectory returns a directory holding benchAccounts accounts.
func benchDirectory(b *testing.B) (*Directory, string) {
	path := filepath.Join(b.TempDir(), FileName)
	d, err := Open(Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	importAll(b, d, benchRows(benchAccounts, false), 5000, ImportOptions{CreateDomains: true})
	mustAlias(b, d, "@dom3.example", "user000003@dom3.example")
	mustAlias(b, d, "team@dom1.example", "alias000010@dom0.example", "user000001@dom1.example", "far@remote.example")
	return d, path
}

func BenchmarkResolve(b *testing.B) {
	d, _ := benchDirectory(b)
	defer d.Close()
	for _, bc := range []struct{ name, addr string }{
		{"account", "user054321@dom1.example"},
		{"account-folded", "User054321@DOM1.example"},
		{"alias", "alias000010@dom0.example"},
		{"plus", "user054321+news@dom1.example"},
		{"catch-all", "nobody@dom3.example"},
		{"nested", "team@dom1.example"},
		{"unknown", "nobody@dom1.example"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.Resolve(bc.addr)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				d.Resolve(fmt.Sprintf("user%06d@dom%d.example", i%benchAccounts, i%10))
				i += 7
			}
		})
	})
	b.Run("effective", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.Effective("user054321@dom1.example")
		}
	})
	b.Run("get-account", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.GetAccount("user054321@dom1.example")
		}
	})
}

// BenchmarkOpen loads a directory of 100,000 accounts and reports the heap
// it keeps per account.
func BenchmarkOpen(b *testing.B) {
	d, path := benchDirectory(b)
	d.Close()
	var perAccount float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		d, err := Open(Options{Path: path})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/open")
		runtime.GC()
		runtime.ReadMemStats(&after)
		perAccount = float64(after.HeapAlloc-before.HeapAlloc) / benchAccounts
		runtime.KeepAlive(d)
		d.Close()
	}
	b.ReportMetric(perAccount, "heapB/account")
}
