package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
)

func newAccountCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{Use: "account", Short: "Manage accounts"})
	cmd.AddCommand(newAccountAddCmd(g), newAccountListCmd(g), newAccountShowCmd(g), newAccountSetCmd(g),
		newAccountPasswdCmd(g), newAccountRemoveCmd(g), newAccountEnableCmd(g, true), newAccountEnableCmd(g, false))
	return cmd
}

// passwordOptions take a password without putting it on the command line.
type passwordOptions struct {
	stdin bool
	hash  string
}

func (p *passwordOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&p.stdin, "password-stdin", false, "read the password from the first line of stdin")
	cmd.Flags().StringVar(&p.hash, "password-hash", "", "a hash in Dovecot's {SCHEME} or crypt notation")
}

// resolve returns the hash to store: the given one, or stdin's password
// hashed here with axd's parameters, so no plaintext crosses the socket.
func (p *passwordOptions) resolve(ctx context.Context, g *globalOptions, c *control.Client, required bool) (string, error) {
	if p.stdin && p.hash != "" {
		return "", &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--password-stdin and --password-hash exclude each other")}
	}
	if p.hash != "" {
		return p.hash, nil
	}
	if !p.stdin {
		if required {
			return "", &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("give --password-stdin or --password-hash")}
		}
		return "", nil
	}
	line, err := bufio.NewReader(g.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--password-stdin: no password on stdin")}
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--password-stdin: empty password")}
	}
	h, err := newHasher(ctx, c)
	if err != nil {
		return "", err
	}
	return h.Hash([]byte(pw))
}

// newHasher builds a hasher with the daemon's parameters.
func newHasher(ctx context.Context, c *control.Client) (*auth.Hasher, error) {
	ap, err := c.AuthParams(ctx)
	if err != nil {
		return nil, err
	}
	return auth.NewHasher(auth.Options{Scheme: auth.Scheme(ap.Scheme), Argon2Time: ap.Argon2Time, Argon2MemoryKiB: ap.Argon2MemoryKiB,
		Argon2Threads: ap.Argon2Threads, BcryptCost: ap.BcryptCost, AllowWeak: ap.AllowWeak})
}

func newAccountAddCmd(g *globalOptions) *cobra.Command {
	var l limitFlags
	var pw passwordOptions
	var name string
	cmd := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Add an account",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := l.settings()
			if err != nil {
				return err
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				hash, err := pw.resolve(ctx, g, c, false)
				if err != nil {
					return err
				}
				a, err := c.AddAccount(ctx, control.AccountRequest{Email: args[0], PasswordHash: hash, DisplayName: name, Settings: s})
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(a)
				}
				return nil
			})
		},
	}
	l.addFlags(cmd, false)
	pw.addFlags(cmd)
	cmd.Flags().StringVar(&name, "display-name", "", "the account holder's name")
	return cmd
}

func newAccountListCmd(g *globalOptions) *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				if !g.json {
					fmt.Fprintln(tw, "EMAIL\tDISPLAY NAME\tCREATED")
				}
				enc := newJSONArray(g.stdout)
				after := ""
				for {
					page, err := c.Accounts(ctx, domain, after, 5000)
					if err != nil {
						return err
					}
					for _, a := range page {
						if g.json {
							if err := enc.add(a); err != nil {
								return err
							}
							continue
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Email, a.DisplayName, a.Created.Format("2006-01-02"))
					}
					if len(page) < 5000 {
						break
					}
					after = page[len(page)-1].Email
				}
				if g.json {
					return enc.close()
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "only this domain's accounts")
	return cmd
}

func newAccountShowCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show EMAIL",
		Short: "Show an account, its usage and effective settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				info, err := c.Account(ctx, args[0])
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(info)
				}
				a := info.Account
				fmt.Fprintf(g.stdout, "account       %s\ndisplay name  %s\npassword      %s\naliases       %s\nusage         %s in %d messages\ncreated       %s\nsettings:\n",
					a.Email, a.DisplayName, map[bool]string{true: "set", false: "none (cannot log in)"}[info.HasPassword],
					strings.Join(info.Aliases, ", "), config.Size(info.Usage.Bytes), info.Usage.Messages, a.Created.Format("2006-01-02 15:04:05"))
				writeEffective(g.stdout, info.Effective, info.Origins)
				return nil
			})
		},
	}
}

func newAccountSetCmd(g *globalOptions) *cobra.Command {
	var l limitFlags
	var name string
	cmd := &cobra.Command{
		Use:   "set EMAIL",
		Short: "Change an account's settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := l.patch()
			if err != nil {
				return err
			}
			req := control.AccountPatchRequest{Settings: p}
			if cmd.Flags().Changed("display-name") {
				req.DisplayName = &name
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				a, err := c.SetAccount(ctx, args[0], req)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(a)
				}
				return nil
			})
		},
	}
	l.addFlags(cmd, true)
	cmd.Flags().StringVar(&name, "display-name", "", "the account holder's name")
	return cmd
}

func newAccountPasswdCmd(g *globalOptions) *cobra.Command {
	var pw passwordOptions
	cmd := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set an account's password (from stdin, or as a hash)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				hash, err := pw.resolve(ctx, g, c, true)
				if err != nil {
					return err
				}
				_, err = c.SetAccount(ctx, args[0], control.AccountPatchRequest{PasswordHash: &hash})
				return err
			})
		},
	}
	pw.addFlags(cmd)
	return cmd
}

func newAccountRemoveCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Remove an account and all its mail",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				return c.RemoveAccount(ctx, args[0])
			})
		},
	}
}

func newAccountEnableCmd(g *globalOptions, on bool) *cobra.Command {
	use, short := "enable EMAIL", "Enable an account"
	if !on {
		use, short = "disable EMAIL", "Disable an account: no login, no delivery, mail kept"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				return c.SetEnabled(ctx, args[0], on)
			})
		},
	}
}
