// Package durable makes directory entries survive a crash: fsync of a
// file makes its data durable, not the entry that names it.
package durable

import (
	"errors"
	"os"
	"path/filepath"
)

// SyncDir fsyncs a directory, so that an entry created, renamed or removed
// in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// MakeDirs creates dir and its missing parents with perm, syncing every
// directory that gained an entry: a file's entry is durable only once its
// directory's own entry is, and on a file system without a journal
// nothing else writes that out in order.
func MakeDirs(dir string, perm os.FileMode) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MakeDirs(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return err
	}
	return SyncDir(parent)
}
