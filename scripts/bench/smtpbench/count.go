package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/axmail/axmail/internal/control"
)

// count prints how many messages axd's store holds for the bench
// accounts, as the control API reports each account's usage.
func count(args []string) error {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	socket := fs.String("socket", "", "axd's control socket")
	users := fs.Int("users", 100, "accounts <i>u@domain, i in 1..users")
	domain := fs.String("domain", "bench.test", "their domain")
	_ = fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := control.NewClient(*socket)
	var total int64
	for i := 1; i <= *users; i++ {
		info, err := c.Account(ctx, fmt.Sprintf("%du@%s", i, *domain))
		if err != nil {
			return err
		}
		total += info.Usage.Messages
	}
	fmt.Println(total)
	return nil
}
