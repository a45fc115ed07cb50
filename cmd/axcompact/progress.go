package main

import (
	"os"

	"github.com/schollz/progressbar/v3"
)

// newProgress returns a byte progress callback that draws a bar on stderr
// when it is a terminal, and does nothing otherwise.
func (g *globalOptions) newProgress(desc string) (update func(done, total int64), finish func()) {
	if !g.interactive(g.stderr) {
		return nil, func() {}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(g.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100e6),
		progressbar.OptionClearOnFinish(),
	}
	if os.Getenv("NO_COLOR") == "" {
		opts = append(opts, progressbar.OptionEnableColorCodes(false))
	}
	// Created now, so that its rate counts from the start of the work.
	bar := progressbar.NewOptions64(-1, opts...)
	return func(done, total int64) {
			bar.ChangeMax64(total)
			_ = bar.Set64(done)
		}, func() {
			_ = bar.Finish()
		}
}
