package directory

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentLookupsWhileImporting runs lookups in parallel with
// imports and single changes: lookups never fail for accounts that
// existed before, and never see a half-imported row (an alias without
// its account).
func TestConcurrentLookupsWhileImporting(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	mustDomain(t, d, "ex.org", Settings{QuotaBytes: ptr[int64](1000)})
	for i := range 50 {
		mustAccount(t, d, fmt.Sprintf("base%d@ex.org", i), Settings{})
	}
	const batches, per = 20, 100
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done.Load(); i++ {
				base := fmt.Sprintf("base%d@ex.org", (i+w)%50)
				if r, err := d.Resolve(base); err != nil || len(r.Accounts) != 1 {
					errs <- fmt.Errorf("Resolve(%s) = %+v, %v", base, r, err)
					return
				}
				if e, err := d.Effective(base); err != nil || e.QuotaBytes != 1000 {
					errs <- fmt.Errorf("Effective(%s) = %+v, %v", base, e, err)
					return
				}
				// An imported alias resolves only together with its account.
				n := i % (batches * per)
				if r, err := d.Resolve(fmt.Sprintf("alias%d@ex.org", n)); err == nil {
					if len(r.Accounts) != 1 || r.Accounts[0] != fmt.Sprintf("user%d@ex.org", n) {
						errs <- fmt.Errorf("alias%d resolved to %+v", n, r)
						return
					}
				}
				d.HasDomain("ex.org")
				d.Counts()
				if i%50 == 0 {
					if _, err := d.GetAccount(base); err != nil {
						errs <- err
						return
					}
					d.ListDomains()
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // single writes interleaved with the imports
		defer wg.Done()
		for i := 0; !done.Load(); i++ {
			if _, err := d.AddAlias(ctx, fmt.Sprintf("x%d@ex.org", i), "base0@ex.org"); err != nil {
				errs <- err
				return
			}
		}
	}()
	for b := range batches {
		rows := make([]ImportRow, per)
		for i := range rows {
			n := b*per + i
			rows[i] = ImportRow{Line: n, Email: fmt.Sprintf("user%d@ex.org", n), PasswordHash: "h", Aliases: []string{fmt.Sprintf("alias%d@ex.org", n)}}
		}
		res, err := d.Import(ctx, rows, ImportOptions{Mode: ImportUpsert})
		if err != nil {
			t.Fatal(err)
		}
		if c := Count(res); c.Created != per {
			t.Fatalf("batch %d: %+v", b, c)
		}
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, n, _ := d.Counts(); n != 50+batches*per {
		t.Fatalf("%d accounts", n)
	}
}
