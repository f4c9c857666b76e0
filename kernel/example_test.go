package kernel_test

import (
	"fmt"
	"log"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/kernel/internal/fakeeval"
)

// ExampleRun shows how a kernel binary serves a connection file with its
// evaluator; it returns after a shutdown request, and the process should
// then exit.
func ExampleRun() {
	connFile := "/path/to/kernel-1234.json" // argv from kernel.json
	err := kernel.Run(connFile, fakeeval.New(), kernel.Options{HandleSignals: true})
	if err != nil {
		log.Print(err)
	}
}

// ExampleNew starts a kernel on free tcp ports (port 0) and reports them.
func ExampleNew() {
	info := kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "secret"}
	k, err := kernel.New(info, fakeeval.New(), kernel.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	fmt.Println(k.Info().ShellPort > 0, k.Info().HBPort > 0)
	// Output: true true
}

// ExampleSigner signs the four JSON frames of a message with the
// connection key, as the wire protocol requires.
func ExampleSigner() {
	s := kernel.NewSigner([]byte("secret"))
	sig := s.Sign([]byte(`{"msg_id":"1"}`), []byte(`{}`), []byte(`{}`), []byte(`{"code":"1+1"}`))
	fmt.Println(len(sig), s.Verify(sig, []byte(`{"msg_id":"1"}`), []byte(`{}`), []byte(`{}`), []byte(`{"code":"1+1"}`)))
	fmt.Println(s.Verify(sig, []byte(`{"msg_id":"1"}`), []byte(`{}`), []byte(`{}`), []byte(`{"code":"2+2"}`)))
	// Output:
	// 64 true
	// false
}

// ExampleDecodeFrames shows that a message with a wrong signature is
// rejected with a clear error.
func ExampleDecodeFrames() {
	m := &kernel.Message{Header: kernel.NewHeader("execute_request", "session", "user"), Content: []byte(`{"code":"1+1"}`)}
	frames, _ := kernel.EncodeFrames(m, kernel.NewSigner([]byte("other key")))
	_, err := kernel.DecodeFrames(frames, kernel.NewSigner([]byte("secret")))
	fmt.Println(err)
	// Output: kernel: message signature does not match (wrong key or forged message)
}
