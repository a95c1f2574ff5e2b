//go:build !linux

package boltstore

import bolt "go.etcd.io/bbolt"

// releaseMapped does nothing where madvise is not used.
func releaseMapped(*bolt.DB) error { return nil }
