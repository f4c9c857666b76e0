// Package kernel speaks the Jupyter messaging protocol (version 5.3) over
// ZeroMQ (github.com/go-zeromq/zmq4) on behalf of an Evaluator. It knows
// nothing about the language being evaluated.
//
// Layers, from the wire up:
//
//   - wire.go: Message, frame encoding and decoding, HMAC-SHA256 signing
//     with constant-time verification (DecodeFrames rejects unsigned,
//     wrongly signed, forged and garbled messages with an error naming the
//     problem), protocol 5.3 headers with ISO 8601 dates and a per-kernel
//     session UUID.
//   - transport.go: one bound socket per channel (ROUTER shell, control and
//     stdin, PUB iopub with a finite high-water mark, REP heartbeat), each
//     with a single writer goroutine fed by a bounded queue, since zmq4
//     sockets are not safe for concurrent Send. tcp and ipc
//     ("ipc://{ip}-{port}") endpoints come from the connection file.
//   - kernel.go, execute.go: one dispatcher goroutine handles shell requests
//     in order and publishes status busy before and idle after every one of
//     them; control (interrupt, shutdown, kernel_info) has its own goroutine
//     and is answered while a cell runs. Every known request gets a reply;
//     unknown *_request types get an error reply, other unknown types are
//     logged. A failing cell with stop_on_error aborts the execute requests
//     already queued (status "error", ename "ExecutionAborted").
//   - output.go: the Output given to Evaluator.Execute. Stream text is
//     coalesced (sent every StreamFlushInterval, default 30 ms, or 64 KiB),
//     flushed before any display, clear_output or input request and before
//     the execute reply, so order is kept and stdout and stderr stay apart.
//   - history.go: an in-memory history (tail, range, search with glob
//     patterns, unique, n) that lives as long as the kernel.
//
// Interrupts (interrupt_request on control, or SIGINT with
// Options.HandleSignals) cancel the context passed to Evaluator.Execute.
// A shutdown_request is answered and then Serve returns; the process should
// exit, as jupyter_client waits for it to (also for restart: true, after
// which jupyter_client starts a new process). With Options.InProcessRestart,
// restart: true instead calls Evaluator.Restart and keeps serving.
//
// The non-standard control request gopherprop_stats_request answers with
// the goroutine count and Go memory statistics (used by benchmarks).
package kernel
