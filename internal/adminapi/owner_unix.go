//go:build unix

package adminapi

import (
	"io/fs"
	"syscall"
)

// fileOwner returns the user id owning the file of fi.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
