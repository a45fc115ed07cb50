package store

import (
	"os"
	"sync"
)

// maxOpenContainers bounds the container files kept open for readers: 256
// covers 16 GiB of 64 MiB containers; beyond that files are reopened.
const maxOpenContainers = 256

// fileCache keeps container files open for readers, so that reading a
// message costs a pread, not an open and a close (IMAP FETCH and POP3 RETR
// read thousands in a row). A file stays open while a reader holds it,
// even after the cache dropped it; a removed container is dropped at once,
// so its space is freed when its last reader closes.
//
// A container that compaction will overwrite (it recycles emptied sources
// as outputs) is retired first: no reader may open it from then on, and it
// is recycled only if no reader holds it.
type fileCache struct {
	mu      sync.Mutex
	files   map[uint64]*sharedFile
	readers map[uint64]int // readers holding each container's file
	retired map[uint64]bool
}

// sharedFile is an open container and the number of its holders: the
// cache itself while cached, and each reader.
type sharedFile struct {
	id   uint64
	f    *os.File
	refs int
}

func newFileCache() *fileCache {
	return &fileCache{files: make(map[uint64]*sharedFile), readers: make(map[uint64]int), retired: make(map[uint64]bool)}
}

// acquire returns the open file of container id, opening it with open if
// needed; opened says it did, so that the caller can check the container
// was not removed meanwhile. The caller must release the file.
// A retired container is not found (os.ErrNotExist), as if removed.
func (c *fileCache) acquire(id uint64, open func() (*os.File, error)) (sf *sharedFile, opened bool, err error) {
	c.mu.Lock()
	if c.retired[id] {
		c.mu.Unlock()
		return nil, false, os.ErrNotExist
	}
	if sf, ok := c.files[id]; ok {
		sf.refs++
		c.readers[id]++
		c.mu.Unlock()
		return sf, false, nil
	}
	c.mu.Unlock()
	f, err := open()
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.retired[id] { // retired while it was opened: it may be overwritten
		f.Close()
		return nil, false, os.ErrNotExist
	}
	c.readers[id]++
	if sf, ok := c.files[id]; ok { // another reader opened it meanwhile
		sf.refs++
		f.Close()
		return sf, false, nil
	}
	if len(c.files) >= maxOpenContainers {
		for old, sf := range c.files { // any one: map order is random enough
			delete(c.files, old)
			c.releaseLocked(sf)
			break
		}
	}
	sf = &sharedFile{id: id, f: f, refs: 2}
	c.files[id] = sf
	return sf, true, nil
}

// release ends a reader's hold on sf.
func (c *fileCache) release(sf *sharedFile) {
	c.mu.Lock()
	if c.readers[sf.id]--; c.readers[sf.id] == 0 {
		delete(c.readers, sf.id)
	}
	c.releaseLocked(sf)
	c.mu.Unlock()
}

func (c *fileCache) releaseLocked(sf *sharedFile) {
	sf.refs--
	if sf.refs == 0 {
		sf.f.Close()
	}
}

// drop forgets container id, which was removed or is about to be.
func (c *fileCache) drop(id uint64) {
	c.mu.Lock()
	c.dropLocked(id)
	c.mu.Unlock()
}

// dropLocked is drop with c.mu held.
func (c *fileCache) dropLocked(id uint64) {
	if sf, ok := c.files[id]; ok {
		delete(c.files, id)
		c.releaseLocked(sf)
	}
}

// retire forgets container id for good, as drop does, and keeps readers
// from opening it again. idle says that no reader holds it: only then may
// its file be overwritten.
func (c *fileCache) retire(id uint64) (idle bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retired[id] = true
	c.dropLocked(id)
	return c.readers[id] == 0
}

// closeAll drops every file; readers still holding one keep it open.
func (c *fileCache) closeAll() {
	c.mu.Lock()
	for id := range c.files {
		c.dropLocked(id)
	}
	c.mu.Unlock()
}
