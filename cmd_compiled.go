package main

import (
	"embed"

	"github.com/gopherprop/gopherprop/interp"
	"github.com/gopherprop/gopherprop/interp/compiled"
)

// kernelSource is the source of the packages compiled cells may import,
// embedded at build time: %%compile builds plugins against exactly the
// source this binary was built from, wherever the checkout is now.
//
//go:embed go.mod go.sum ad display mnist widget
var kernelSource embed.FS

func init() {
	compiled.SetSource(kernelSource)
	commands["prewarm"] = command{
		summary: "fill the Go build cache for %%compile (run by install/setup.sh)",
		hidden:  true,
		run:     interp.PrewarmMain,
	}
}
