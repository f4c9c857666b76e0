package notebook

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWriteFileDevice: `gopherprop run nb.ipynb -o /dev/null` as root once
// replaced the null device with a regular file. WriteFile must write through
// a device. The device is a null device (major 1, minor 3) made in a
// temporary directory, never the real /dev/null.
func TestWriteFileDevice(t *testing.T) {
	nb, _ := writeFileInput(t)
	dir := t.TempDir()
	name := filepath.Join(dir, "null")
	const null = 1<<8 | 3 // makedev(1, 3)
	if err := syscall.Mknod(name, syscall.S_IFCHR|0o666, null); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("making a device node needs root (CAP_MKNOD), which this process lacks: %v", err)
		}
		t.Fatal(err)
	}
	if f, err := os.OpenFile(name, os.O_WRONLY, 0); err != nil {
		t.Skipf("the temporary directory's file system does not allow devices (mounted nodev?): %v", err)
	} else {
		f.Close()
	}
	if err := WriteFile(name, nb); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("the device was replaced: mode %v", fi.Mode())
	}
	if rdev := fi.Sys().(*syscall.Stat_t).Rdev; rdev != null {
		t.Errorf("device number %#x, want %#x", rdev, null)
	}
	onlyEntries(t, dir, "null")
}

// TestWriteFilePipe: WriteFile onto a named pipe writes the notebook into
// the pipe, where a reader gets it, and leaves the pipe a pipe.
func TestWriteFilePipe(t *testing.T) {
	nb, want := writeFileInput(t)
	dir := t.TempDir()
	name := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	type result struct {
		data []byte
		err  error
	}
	read := make(chan result, 1)
	go func() {
		// Opening a pipe for reading blocks until a writer opens it.
		f, err := os.Open(name)
		if err != nil {
			read <- result{err: err}
			return
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		read <- result{data, err}
	}()
	if err := WriteFile(name, nb); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeNamedPipe == 0 {
		// The reader never gets a writer; the process's exit ends it.
		t.Fatalf("the named pipe was replaced: mode %v", fi.Mode())
	}
	select {
	case r := <-read:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !bytes.Equal(r.data, want) {
			t.Errorf("the reader got different bytes:\n%s", firstDiff(r.data, want))
		}
	case <-time.After(time.Minute):
		t.Fatal("the reader got nothing within a minute")
	}
	onlyEntries(t, dir, "pipe")
}
