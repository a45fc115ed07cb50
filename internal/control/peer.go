package control

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Peer is the credentials of the process at the other end of a connection.
type Peer struct {
	PID int32
	UID uint32
	GID uint32
}

type peerKey struct{}

// peerOf reads SO_PEERCRED of a unix connection.
func peerOf(c net.Conn) (Peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{}, fmt.Errorf("control: not a unix connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{}, err
	}
	if credErr != nil {
		return Peer{}, credErr
	}
	return Peer{PID: cred.Pid, UID: cred.Uid, GID: cred.Gid}, nil
}

func withPeer(ctx context.Context, c net.Conn) context.Context {
	p, err := peerOf(c)
	if err != nil {
		return context.WithValue(ctx, peerKey{}, (*Peer)(nil))
	}
	return context.WithValue(ctx, peerKey{}, &p)
}

// PeerFrom returns the peer of a request's connection, nil if unknown.
func PeerFrom(ctx context.Context) *Peer {
	p, _ := ctx.Value(peerKey{}).(*Peer)
	return p
}

// allowed says whether a peer may use the socket: root, the daemon's own
// uid, or a member (primary or supplementary) of group (-1 for none).
func allowed(p *Peer, selfUID uint32, group int) bool {
	if p == nil {
		return false
	}
	if p.UID == 0 || p.UID == selfUID {
		return true
	}
	if group < 0 {
		return false
	}
	if p.GID == uint32(group) {
		return true
	}
	return inSupplementaryGroup(p.PID, uint32(group))
}

// inSupplementaryGroup reads the peer's groups from /proc; the peer is
// connected, so its pid is live.
func inSupplementaryGroup(pid int32, gid uint32) bool {
	f, err := os.Open("/proc/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Groups:")
		if !ok {
			continue
		}
		for _, g := range strings.Fields(rest) {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil && uint32(n) == gid {
				return true
			}
		}
		return false
	}
	return false
}
