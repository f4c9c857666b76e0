package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readSpec(t *testing.T, dir string) kernelSpec {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s kernelSpec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInstallPrefix(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("GOMODCACHE", "/some/modcache")
	t.Setenv("GOFLAGS", "")
	dir, err := installKernelspec([]string{"--prefix", tmp}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(tmp, "share", "jupyter", "kernels", "gopherprop"); dir != want {
		t.Fatalf("dir %s, want %s", dir, want)
	}
	s := readSpec(t, dir)
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	if len(s.Argv) != 3 || s.Argv[0] != exe || s.Argv[1] != "kernel" || s.Argv[2] != "{connection_file}" {
		t.Errorf("argv %q", s.Argv)
	}
	if !filepath.IsAbs(s.Argv[0]) {
		t.Errorf("argv[0] %q is not absolute", s.Argv[0])
	}
	if s.DisplayName != "Go (gopherprop)" || s.Language != "go" || s.InterruptMode != "message" {
		t.Errorf("spec %+v", s)
	}
	if s.Env["GOMODCACHE"] != "/some/modcache" || s.Env["PATH"] != os.Getenv("PATH") {
		t.Errorf("env %v", s.Env)
	}
	if _, ok := s.Env["GOFLAGS"]; ok {
		t.Errorf("empty variable copied: %v", s.Env)
	}
	for name, size := range map[string]int{"logo-32x32.png": 32, "logo-64x64.png": 64} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != size || cfg.Height != size {
			t.Errorf("%s: %v %dx%d", name, err, cfg.Width, cfg.Height)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("svg logo: %v", err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "kernel.js"))
	if err != nil || !bytes.Contains(js, []byte("onload")) || !bytes.Contains(js, []byte("cm-tab")) {
		t.Errorf("kernel.js: %v %q", err, js)
	}
	// Installing again overwrites cleanly.
	if _, err := installKernelspec([]string{"--prefix", tmp}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
}

func TestInstallUserHonoursJupyterDataDir(t *testing.T) {
	for _, args := range [][]string{nil, {"--user"}} {
		data := t.TempDir()
		t.Setenv("JUPYTER_DATA_DIR", data)
		dir, err := installKernelspec(args, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if dir != filepath.Join(data, "kernels", "gopherprop") {
			t.Errorf("%v: dir %s", args, dir)
		}
		readSpec(t, dir)
	}
	// Without JUPYTER_DATA_DIR the user directory is under HOME.
	home := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", "")
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", home)
	dir, err := installKernelspec([]string{"--user"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, home) || !strings.HasSuffix(dir, filepath.Join("jupyter", "kernels", "gopherprop")) {
		t.Errorf("default user dir %s", dir)
	}
}

func TestInstallBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--user", "--prefix", "/x"}, "mutually exclusive"},
		{[]string{"--sys-prefix", "--user"}, "mutually exclusive"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--bogus"}, "not defined"},
	} {
		_, err := installKernelspec(tc.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.want)
		}
	}
	if err := writeKernelspec(t.TempDir(), "relative/bin", os.Getenv); err == nil {
		t.Error("relative binary path accepted")
	}
}

func TestPythonSysPrefix(t *testing.T) {
	p := pythonSysPrefix()
	if !filepath.IsAbs(p) {
		t.Errorf("sys prefix %q is not absolute", p)
	}
}

func TestKernelCommandErrors(t *testing.T) {
	if code := runKernel(nil); code != 2 {
		t.Errorf("no args: exit %d, want 2", code)
	}
	if code := runKernel([]string{filepath.Join(t.TempDir(), "missing.json")}); code != 1 {
		t.Errorf("missing connection file: exit %d, want 1", code)
	}
}
