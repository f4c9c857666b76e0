package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the gopherprop release; overridden with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

func init() {
	commands["version"] = command{summary: "print the version", run: runVersion}
}

func runVersion(args []string) int {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Printf("gopherprop %s%s %s %s/%s\n", Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
