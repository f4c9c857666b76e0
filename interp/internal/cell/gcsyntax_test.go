package cell

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// gcSyntaxCases are cells with a syntax error and gc's message for it, as
// go build prints it for the same statements in a function body.
var gcSyntaxCases = []struct{ cell, want string }{
	{"fmt.Println(\"x\"\n", "syntax error: unexpected newline in argument list; possibly missing comma or )"},
	{"func broken() {\n\tfmt.Println(\"x\"\n", "syntax error: unexpected newline in argument list; possibly missing comma or )"},
	{"x := []int{1, 2\n}", "syntax error: unexpected newline in composite literal; possibly missing comma or }"},
	{"x := map[string]int{\"a\": 1\n}", "syntax error: unexpected newline in composite literal; possibly missing comma or }"},
	{"fmt.Println(\"a\" \"b\")", "syntax error: unexpected literal \"b\" in argument list; possibly missing comma or )"},
	{"f(a b)", "syntax error: unexpected name b in argument list; possibly missing comma or )"},
	{"x := []int{1 2}", "syntax error: unexpected literal 2 in composite literal; possibly missing comma or }"},
	{"x := )", "syntax error: unexpected ), expected expression"},
	{"x = = 3", "syntax error: unexpected =, expected expression"},
	{"if true {\n", "syntax error: unexpected EOF, expected }"},
	{"func f() {\n\tif true\n\t{\n\t}\n}", "syntax error: unexpected newline, expected { after if clause"},
	{"x := 3 y := 4", "syntax error: unexpected name y at end of statement"},
	{"switch x {\ncase 1\n}", "syntax error: unexpected newline, expected :"},
	{"func f(a any) {\n\t_ = a.(,)\n}", "syntax error: unexpected comma, expected type"},
}

// TestGcSyntaxTable checks that syntax errors of cells are reported in gc's
// wording (GcSyntaxMessage over Split's error).
func TestGcSyntaxTable(t *testing.T) {
	for _, c := range gcSyntaxCases {
		_, err := Split(c.cell)
		if err == nil {
			t.Errorf("%q: no syntax error", c.cell)
			continue
		}
		if got := GcSyntaxMessage(err.Msg, c.cell, err.Line, err.Col); got != c.want {
			t.Errorf("%q: %q (go/parser: %q), want %q", c.cell, got, err.Msg, c.want)
		}
	}
	if GcSyntaxMessage("some other message", "x", 1, 1) != "some other message" {
		t.Error("a message without a row must be kept")
	}
}

// TestGcSyntaxMatchesGoBuild checks the wanted messages of gcSyntaxCases
// against what go build prints for the same code in a function body.
func TestGcSyntaxMatchesGoBuild(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot compare with go build's messages")
	}
	if testing.Short() {
		t.Skip("runs go build (-short)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module m\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, c := range gcSyntaxCases {
		src := "package main\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n\nfunc main() {\n" + c.cell + "\n}\n"
		if strings.HasPrefix(c.cell, "func ") {
			src = "package main\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n\nfunc main() {}\n\n" + c.cell + "\n"
		}
		p := filepath.Join(dir, fmt.Sprintf("p%d", i))
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "a.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goBin, "build", "-o", os.DevNull, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, _ := cmd.CombinedOutput()
	first := map[int]string{}
	re := regexp.MustCompile(`^p(\d+)/a\.go:\d+:\d+: (.*)$`)
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimPrefix(line, "./")
		if m := re.FindStringSubmatch(line); m != nil {
			var n int
			fmt.Sscan(m[1], &n)
			if _, ok := first[n]; !ok {
				first[n] = m[2]
			}
		}
	}
	for i, c := range gcSyntaxCases {
		if first[i] != c.want {
			t.Errorf("%q: go build says %q, the table wants %q", c.cell, first[i], c.want)
		}
	}
}
