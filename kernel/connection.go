package kernel

import (
	"encoding/json"
	"fmt"
	"os"
)

// ConnectionInfo is the content of a Jupyter connection file.
type ConnectionInfo struct {
	Transport       string `json:"transport"` // "tcp" or "ipc"
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and validates a connection file.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	var ci ConnectionInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return ci, fmt.Errorf("kernel: reading connection file: %w", err)
	}
	if err := json.Unmarshal(b, &ci); err != nil {
		return ci, fmt.Errorf("kernel: connection file %s is not valid JSON: %v", path, err)
	}
	return ci, ci.Validate()
}

// Validate checks the transport, signature scheme and ports, and fills
// defaults (transport "tcp", ip "127.0.0.1", scheme "hmac-sha256").
func (ci *ConnectionInfo) Validate() error {
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.IP == "" {
		ci.IP = "127.0.0.1"
	}
	if ci.SignatureScheme == "" {
		ci.SignatureScheme = "hmac-sha256"
	}
	if ci.Transport != "tcp" && ci.Transport != "ipc" {
		return fmt.Errorf("kernel: connection file transport %q is not supported (want \"tcp\" or \"ipc\")", ci.Transport)
	}
	if ci.SignatureScheme != "hmac-sha256" {
		return fmt.Errorf("kernel: connection file signature_scheme %q is not supported (want \"hmac-sha256\")", ci.SignatureScheme)
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"shell_port", ci.ShellPort}, {"iopub_port", ci.IOPubPort}, {"stdin_port", ci.StdinPort},
		{"control_port", ci.ControlPort}, {"hb_port", ci.HBPort}} {
		if p.v < 0 || p.v > 65535 {
			return fmt.Errorf("kernel: connection file %s %d is out of range", p.name, p.v)
		}
		if p.v == 0 && ci.Transport == "ipc" {
			return fmt.Errorf("kernel: connection file %s must be set for ipc transport", p.name)
		}
	}
	return nil
}

// Endpoint returns the ZeroMQ endpoint for port: tcp://ip:port, or
// ipc://ip-port for the ipc transport (the jupyter_client convention).
func (ci ConnectionInfo) Endpoint(port int) string {
	if ci.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", ci.IP, port)
	}
	return fmt.Sprintf("tcp://%s:%d", ci.IP, port)
}
