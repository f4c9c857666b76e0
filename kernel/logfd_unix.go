//go:build unix

package kernel

import (
	"os"
	"syscall"
)

// DupStderr returns a duplicate of the process's standard error, taken
// before an evaluator redirects file descriptor 2 to capture cell output, so
// that kernel logs keep going to the real standard error. It returns
// os.Stderr if the descriptor cannot be duplicated.
func DupStderr() *os.File {
	fd, err := syscall.Dup(2)
	if err != nil {
		return os.Stderr
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "/dev/stderr")
}
