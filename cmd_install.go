package main

import (
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gopherprop/gopherprop/interp"
)

//go:embed install/kernelspec/logo-32x32.png install/kernelspec/logo-64x64.png install/kernelspec/logo-svg.svg install/kernelspec/kernel.js
var kernelspecLogos embed.FS

// kernelspecName is the directory name of the installed kernelspec.
const kernelspecName = "gopherprop"

// kernelDisplayName is the kernelspec's display name.
const kernelDisplayName = "Go (gopherprop)"

// kernelEnvVars are copied into kernel.json's env when set at install time,
// so that a kernel started by JupyterHub or a service manager still finds
// the Go toolchain and module cache.
var kernelEnvVars = []string{"PATH", "GOPATH", "GOMODCACHE", "GOROOT", "GOCACHE", "GOFLAGS", "GOPROXY"}

func init() {
	commands["install"] = command{summary: "install the \"gopherprop\" Jupyter kernelspec", run: runInstall}
}

func runInstall(args []string) int {
	dir, err := installKernelspec(args, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopherprop install:", err)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fmt.Printf("installed kernelspec %s in %s\n", kernelspecName, dir)
	return 0
}

// installKernelspec parses the install flags, writes kernel.json and the
// logos, and returns the kernelspec directory.
func installKernelspec(args []string, stderr io.Writer) (string, error) {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.Bool("user", false, "install for the current user (default): $JUPYTER_DATA_DIR/kernels or ~/.local/share/jupyter/kernels")
	sysPrefix := fs.Bool("sys-prefix", false, "install into sys.prefix of /usr/bin/python3 (its share/jupyter/kernels)")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter/kernels")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gopherprop install [--user | --sys-prefix | --prefix DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q (usage: gopherprop install [--user | --sys-prefix | --prefix DIR])", fs.Arg(0))
	}
	n := 0
	for _, b := range []bool{*user, *sysPrefix, *prefix != ""} {
		if b {
			n++
		}
	}
	if n > 1 {
		return "", errors.New("--user, --sys-prefix and --prefix are mutually exclusive")
	}
	var kernels string
	switch {
	case *prefix != "":
		abs, err := filepath.Abs(*prefix)
		if err != nil {
			return "", err
		}
		kernels = filepath.Join(abs, "share", "jupyter", "kernels")
	case *sysPrefix:
		kernels = filepath.Join(pythonSysPrefix(), "share", "jupyter", "kernels")
	default:
		d, err := userDataDir()
		if err != nil {
			return "", err
		}
		kernels = filepath.Join(d, "kernels")
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find this binary's path: %v", err)
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		fmt.Fprintf(stderr, "warning: %s looks like a temporary 'go run' binary; install a built binary instead (go install)\n", exe)
	}
	dir := filepath.Join(kernels, kernelspecName)
	if err := writeKernelspec(dir, exe, os.Getenv); err != nil {
		return "", err
	}
	return dir, nil
}

// kernelSpec is the content of kernel.json.
type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata"`
}

// writeKernelspec writes kernel.json (argv starting with exe), the logos and
// kernel.js (the classic notebook's per-kernel script) into dir, creating it.
func writeKernelspec(dir, exe string, getenv func(string) string) error {
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("kernel binary path %q is not absolute", exe)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create kernelspec directory: %v", err)
	}
	spec := kernelSpec{
		Argv:          []string{exe, "kernel", "{connection_file}"},
		DisplayName:   kernelDisplayName,
		Language:      interp.Language().Name,
		InterruptMode: "message",
		Env:           map[string]string{},
		Metadata:      map[string]any{"debugger": false},
	}
	for _, v := range kernelEnvVars {
		if s := getenv(v); s != "" {
			spec.Env[v] = s
		}
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write kernel.json: %v", err)
	}
	for _, name := range []string{"logo-32x32.png", "logo-64x64.png", "logo-svg.svg", "kernel.js"} {
		data, err := kernelspecLogos.ReadFile("install/kernelspec/" + name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("cannot write %s: %v", name, err)
		}
	}
	return nil
}

// userDataDir is Jupyter's per-user data directory: $JUPYTER_DATA_DIR, or
// the platform default.
func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory (set JUPYTER_DATA_DIR): %v", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if a := os.Getenv("APPDATA"); a != "" {
			return filepath.Join(a, "jupyter"), nil
		}
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// pythonSysPrefix asks /usr/bin/python3 (then python3 on PATH) for
// sys.prefix, falling back to /usr/local.
func pythonSysPrefix() string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		out, err := exec.Command(py, "-c", "import sys; print(sys.prefix)").Output()
		if err == nil {
			if p := strings.TrimSpace(string(out)); p != "" {
				return p
			}
		}
	}
	return "/usr/local"
}
