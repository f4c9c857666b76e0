//go:build unix

package notebook

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// writeFileInput returns a notebook to write and the bytes WriteFile must
// produce for it.
func writeFileInput(t *testing.T) (*Notebook, []byte) {
	t.Helper()
	nb, err := ReadFile(jupyterWritten)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	return nb, want
}

// onlyEntries fails the test unless dir holds exactly the named entries (no
// temporary file left behind).
func onlyEntries(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %v, want exactly %v", dir, got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("%s holds %v, want exactly %v", dir, got, names)
		}
	}
}

// TestWriteFileRegularKeepsMode: an existing regular file is replaced with
// its whole mode kept, the setgid bit included, and (as root, where the
// replacement would otherwise belong to root) its owner and group.
func TestWriteFileRegularKeepsMode(t *testing.T) {
	nb, want := writeFileInput(t)
	dir := t.TempDir()
	name := filepath.Join(dir, "nb.ipynb")
	if err := os.WriteFile(name, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := os.Getuid() == 0
	if root {
		if err := os.Chown(name, 4242, 4343); err != nil {
			t.Fatal(err)
		}
	}
	mode := fs.FileMode(0o640) | fs.ModeSetgid
	if err := os.Chmod(name, mode); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(name); fi.Mode() != mode {
		t.Skipf("this file system does not keep mode %v (got %v)", mode, fi.Mode())
	}
	if err := WriteFile(name, nb); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("content differs:\n%s", firstDiff(got, want))
	}
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode {
		t.Errorf("mode after WriteFile = %v, want %v", fi.Mode(), mode)
	}
	if root {
		if uid, gid := owner(fi); uid != 4242 || gid != 4343 {
			t.Errorf("owner after WriteFile = %d:%d, want 4242:4343", uid, gid)
		}
	}
	onlyEntries(t, dir, "nb.ipynb")

	// A new file gets 0644; a directory is refused and left alone.
	fresh := filepath.Join(dir, "new.ipynb")
	if err := WriteFile(fresh, nb); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode() != 0o644 {
		t.Errorf("new file: %v, %v; want mode 0644", fi, err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(sub, nb); err == nil {
		t.Errorf("WriteFile onto a directory succeeded")
	}
	if fi, err := os.Stat(sub); err != nil || !fi.IsDir() {
		t.Errorf("the directory is gone: %v, %v", fi, err)
	}
	onlyEntries(t, dir, "nb.ipynb", "new.ipynb", "sub")
}

// TestWriteFileSymlink: writing through a symbolic link (relative, in a
// chain of two, or dangling) writes the final target and leaves every link a
// link, as `gopherprop run nb.ipynb -o notes.ipynb` must when notes.ipynb is
// a link to the real notebook.
func TestWriteFileSymlink(t *testing.T) {
	nb, want := writeFileInput(t)
	dir := t.TempDir()
	real := filepath.Join(dir, "real", "notes.ipynb")
	if err := os.Mkdir(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.ipynb")
	if err := os.Symlink("real/notes.ipynb", link); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
	link2 := filepath.Join(dir, "link2.ipynb")
	if err := os.Symlink(link, link2); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.ipynb")
	if err := os.Symlink("real/created.ipynb", dangling); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{link: "real/notes.ipynb", link2: link, dangling: "real/created.ipynb"}
	for _, name := range []string{link, link2, dangling} {
		if err := WriteFile(name, nb); err != nil {
			t.Fatalf("WriteFile(%s): %v", filepath.Base(name), err)
		}
		fi, err := os.Lstat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link (mode %v)", filepath.Base(name), fi.Mode())
			continue
		}
		if dest, _ := os.Readlink(name); dest != links[name] {
			t.Errorf("%s now points to %q, want %q", filepath.Base(name), dest, links[name])
		}
	}
	for target, mode := range map[string]fs.FileMode{real: 0o600, filepath.Join(dir, "real", "created.ipynb"): 0o644} {
		got, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: content differs:\n%s", target, firstDiff(got, want))
		}
		if fi, _ := os.Stat(target); fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", target, fi.Mode(), mode)
		}
	}
	onlyEntries(t, dir, "dangling.ipynb", "link.ipynb", "link2.ipynb", "real")
	onlyEntries(t, filepath.Dir(real), "created.ipynb", "notes.ipynb")

	// A loop of links is an error, not a hang.
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(loop, nb); err == nil {
		t.Errorf("WriteFile through a loop of links succeeded")
	}
}

// owner returns the owner and group of the file fi describes.
func owner(fi fs.FileInfo) (uid, gid uint32) {
	st := fi.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}
