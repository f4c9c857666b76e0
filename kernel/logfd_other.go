//go:build !unix

package kernel

import "os"

// DupStderr returns os.Stderr on systems without dup(2).
func DupStderr() *os.File { return os.Stderr }
