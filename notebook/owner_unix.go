//go:build unix

package notebook

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of the file old describes. It is
// best effort: only root (or the owner, for a group it belongs to) may
// change them, and a notebook written by its owner already has the right
// owner, so a refusal is not an error.
func keepOwner(f *os.File, old fs.FileInfo) {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	_ = f.Chown(int(st.Uid), int(st.Gid))
}
