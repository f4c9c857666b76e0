package kernel_test

import (
	"testing"

	"github.com/gopherprop/gopherprop/kernel"
)

// BenchmarkExecuteRoundTrip measures an execute request through the
// in-process zmq4 client: reply plus IOPub up to idle.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	c := startKernel(b, kernel.Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.execute("1+1", nil)
	}
}

// BenchmarkKernelInfoRoundTrip is the baseline: the cheapest request.
func BenchmarkKernelInfoRoundTrip(b *testing.B) {
	c := startKernel(b, kernel.Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.request("kernel_info_request", map[string]any{})
	}
}
