package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/axmail/axmail/internal/accountcsv"
	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
)

// errMaxErrors stops an import at --max-errors.
var errMaxErrors = errors.New("stopped at --max-errors")

// maxBatchJSON bounds the estimated size of one request, well under the
// 16 MiB the control API reads, whatever the rows hold.
const maxBatchJSON = 8 << 20

// importBatch is a run of rows in file order, rejected ones included.
type importBatch struct {
	rows   []*accountcsv.Row
	offset int64 // input bytes through the last row
	// fileErr ends the file after rows; abort stops before them.
	fileErr, abort error
}

// importer runs one import: a reader goroutine cuts the file into
// batches, a prepare goroutine hashes plaintext passwords on every core,
// and run sends the batches one at a time, each committed by axd before
// it answers, while the next is read and hashed. At most four batches are
// in memory.
type importer struct {
	g        *globalOptions
	o        importOptions
	c        *control.Client
	rd       *accountcsv.Reader
	hasher   *auth.Hasher // nil when the file has no password column
	rejects  *rejectsWriter
	progress *importProgress
	sum      *importSummary

	// current holds, per domain, the password hashes of its accounts,
	// fetched once when a plaintext password of the domain first shows.
	current map[string]map[string]string
}

func (p *importer) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *importBatch, 1)
	ready := make(chan *importBatch, 1)
	go p.read(ctx, batches)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.prepare(ctx, batches, ready)
	}()
	// Stop the other stages before returning; the reader may be blocked
	// on stdin and is left to the process's end.
	defer wg.Wait()
	defer cancel()
	for b := range ready {
		if b.abort != nil {
			return b.abort
		}
		if err := p.send(ctx, b); err != nil {
			return err
		}
		if b.fileErr != nil {
			return b.fileErr
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.sum.Complete = true
	return nil
}

// read cuts the file into batches of --batch rows, fewer when their
// requests would grow too large.
func (p *importer) read(ctx context.Context, out chan<- *importBatch) {
	defer close(out)
	b, size := &importBatch{}, 0
	send := func() bool {
		b.offset = p.rd.Offset()
		select {
		case out <- b:
			b, size = &importBatch{}, 0
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		row, err := p.rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.fileErr = err
			send()
			return
		}
		b.rows = append(b.rows, row)
		size += rowJSONSize(row)
		if len(b.rows) >= p.o.batch || size >= maxBatchJSON {
			if !send() {
				return
			}
		}
	}
	if len(b.rows) > 0 {
		send()
	}
}

// rowJSONSize over-estimates a row's size in a request.
func rowJSONSize(r *accountcsv.Row) int {
	n := 200 + jsonLen(r.Email) + jsonLen(r.PasswordHash) + jsonLen(r.DisplayName)
	if r.Password != "" {
		n += 256
	}
	for _, a := range r.Aliases {
		n += jsonLen(a) + 3
	}
	return n
}

// jsonLen is the length of s encoded as a JSON string, or a little more.
func jsonLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			n += 5
		}
	}
	return n
}

// prepare hashes the plaintext passwords of each batch in parallel and
// passes the batch on.
func (p *importer) prepare(ctx context.Context, in <-chan *importBatch, out chan<- *importBatch) {
	defer close(out)
	var jobs chan hashJob
	if p.hasher != nil {
		jobs = make(chan hashJob)
		defer close(jobs)
		for range runtime.NumCPU() {
			go func() {
				for j := range jobs {
					if ctx.Err() == nil {
						hashRow(p.hasher, j.row, j.current)
					} else {
						j.row.Password, j.row.Reject = "", "not hashed: interrupted"
					}
					j.wg.Done()
				}
			}()
		}
	}
	for {
		var b *importBatch
		select {
		case b = <-in:
		case <-ctx.Done():
			return
		}
		if b == nil {
			return
		}
		if jobs != nil {
			if err := p.hashBatch(ctx, b, jobs); err != nil {
				b.abort = err
			}
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		if b.abort != nil {
			return
		}
	}
}

type hashJob struct {
	row     *accountcsv.Row
	current string
	wg      *sync.WaitGroup
}

func (p *importer) hashBatch(ctx context.Context, b *importBatch, jobs chan<- hashJob) error {
	var wg sync.WaitGroup
	for _, r := range b.rows {
		if r.Password == "" {
			continue
		}
		if r.Reject != "" {
			r.Password = ""
			continue
		}
		dom := r.Key[strings.LastIndexByte(r.Key, '@')+1:]
		hashes, err := p.currentHashes(ctx, dom)
		if err != nil {
			wg.Wait()
			return err
		}
		wg.Add(1)
		jobs <- hashJob{row: r, current: hashes[r.Key], wg: &wg}
	}
	wg.Wait()
	return nil
}

// currentHashes returns the password hashes of a domain's accounts by
// account key, asking axd the first time.
func (p *importer) currentHashes(ctx context.Context, dom string) (map[string]string, error) {
	if m, ok := p.current[dom]; ok {
		return m, nil
	}
	m := make(map[string]string)
	err := p.c.Export(ctx, dom, func(r control.ExportRow) error {
		if r.PasswordHash != "" {
			m[strings.ToLower(r.Email)] = r.PasswordHash
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the current passwords of %s: %w", dom, err)
	}
	if p.current == nil {
		p.current = make(map[string]map[string]string)
	}
	p.current[dom] = m
	return m, nil
}

// send imports a batch and records every row's outcome. It returns
// errMaxErrors when --max-errors is reached, and any error that leaves the
// batch unacknowledged.
func (p *importer) send(ctx context.Context, b *importBatch) error {
	rows := b.rows
	req := control.ImportRequest{Mode: p.o.mode, CreateDomains: p.o.createDomains, DryRun: p.o.dryRun}
	rejected, limit := p.sum.Rejected, false
	for i, r := range rows {
		if r.Reject != "" {
			rejected++
			if p.o.maxErrors > 0 && rejected >= p.o.maxErrors {
				rows, limit = rows[:i+1], true
				break
			}
			continue
		}
		req.Rows = append(req.Rows, control.ImportRow{Line: r.Line, Email: r.Email, PasswordHash: r.PasswordHash,
			Quota: r.Quota, MaxMessageSize: r.MaxMessageSize, DisplayName: r.DisplayName, Enabled: r.Enabled, Aliases: r.Aliases})
	}
	var results map[int]directory.RowResult
	if len(req.Rows) > 0 {
		resp, err := p.c.Import(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		results = make(map[int]directory.RowResult, len(resp.Results))
		for _, res := range resp.Results {
			results[res.Line] = res
		}
	}
	for _, r := range rows {
		if err := p.record(r, results); err != nil {
			return err
		}
	}
	p.sum.LastLine = rows[len(rows)-1].Line
	p.progress.update(p.sum.Rows, b.offset)
	if limit || p.o.maxErrors > 0 && p.sum.Rejected >= p.o.maxErrors {
		return fmt.Errorf("%w: %d rows rejected", errMaxErrors, p.sum.Rejected)
	}
	return nil
}

// record counts a row's outcome and writes a rejected row out.
func (p *importer) record(r *accountcsv.Row, results map[int]directory.RowResult) error {
	p.sum.Rows++
	email, reason := r.Email, r.Reject
	if reason == "" {
		res, ok := results[r.Line]
		if !ok {
			res = directory.RowResult{Outcome: directory.OutcomeRejected, Reason: "axd returned no result for this row", Email: r.Email}
		}
		switch res.Outcome {
		case directory.OutcomeCreated:
			p.sum.Created++
		case directory.OutcomeUpdated:
			p.sum.Updated++
		case directory.OutcomeUnchanged:
			p.sum.Unchanged++
		default:
			email, reason = res.Email, res.Reason
			if reason == "" {
				reason = res.Outcome.String()
			}
		}
		p.sum.addDomains(res.Domains)
		if reason == "" {
			return nil
		}
	}
	p.sum.reject(r.Line, email, reason)
	if p.rejects != nil {
		return p.rejects.write(r, reason)
	}
	return nil
}
