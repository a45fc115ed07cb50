package directory

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The server level has two sources: the config (Options.Server,
// SetServerSettings), and settings stored in the file by an administrator
// at run time (PatchServerSettings), which override the config's until
// they are set back to inherit. Both sit over DefaultServerSettings.

// keyServer is the meta key of the stored server level, a domainRec.
var keyServer = []byte("server")

// SetServerSettings replaces the config's server level, as on a reload.
func (d *Directory) SetServerSettings(s Settings) error {
	v, err := serverVals(s)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.config = v
	d.server = v.over(d.st.stored, false)
	d.mu.Unlock()
	return nil
}

// ServerSettings returns the server level in force: defaults, config and
// stored settings combined.
func (d *Directory) ServerSettings() EffectiveSettings {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.server.effective(Origins{})
}

// StoredServerSettings returns the server settings stored in the file;
// nil fields are the config's.
func (d *Directory) StoredServerSettings() Settings {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.st.stored.settings()
}

// PatchServerSettings changes the stored server settings; fields set back
// to inherit return to the config's value.
func (d *Directory) PatchServerSettings(ctx context.Context, p SettingsPatch) error {
	return d.update(ctx, func(t *txn) error {
		cur := t.d.st.stored
		if t.stored != nil {
			cur = *t.stored
		}
		v, err := cur.apply(p)
		if err != nil {
			return err
		}
		t.stored = &v
		t.dirty = true
		r := domainRec{v: v, updated: t.now}
		return t.tx.Bucket(bucketMeta).Put(keyServer, r.encode())
	})
}

// loadServer reads the stored server level.
func loadServer(tx *bolt.Tx) (vals, error) {
	b := tx.Bucket(bucketMeta).Get(keyServer)
	if b == nil {
		return vals{}, nil
	}
	r, err := decodeDomain(b)
	if err != nil {
		return vals{}, fmt.Errorf("server settings: %w", err)
	}
	return r.v, nil
}
