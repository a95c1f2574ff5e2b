package boltstore

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel the process no longer needs the pages of
// the database file it has mapped (madvise MADV_DONTNEED). The pages stay
// in the page cache; a later read maps them again without disk I/O. A walk
// over many incidents (a board refresh round) otherwise leaves every page
// it read counted in the process's resident memory until the kernel needs
// it. It runs inside a read transaction, which holds bbolt's mapping in
// place (a remap needs its lock exclusively).
func releaseMapped(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		info := db.Info()
		size := tx.Size()
		if size <= 0 {
			return nil
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(size), unix.MADV_DONTNEED); errno != 0 {
			return errno
		}
		return nil
	})
}
