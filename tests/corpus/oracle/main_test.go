package main

import (
	"strings"
	"testing"
)

func TestComposeLayout(t *testing.T) {
	cells := []string{
		"import \"fmt\"\n\ntype P struct{ X int }\n\nfunc (p P) Get() int { return p.X }\nvar global = 3\n",
		"import \"fmt\"\np := P{global}\nvar q = p\nfunc() { fmt.Println(q.Get()) }()\nfunc main() { fmt.Println(\"main\") }\n",
		"main()\n",
	}
	p, err := compose(cells)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.imports) != 1 || p.imports[0].path != "fmt" {
		t.Errorf("imports %v, want fmt once", p.imports)
	}
	checkPrefixes(t, "decl", p.decls, []string{"type P", "func (p P) Get", "var global", "func cellMain()"})
	// var q = p uses a local of main, so it stays a statement; the
	// function literal call and the renamed main call are statements too.
	checkPrefixes(t, "stmt", p.stmts, []string{"p := P{global}", "var q = p", "func() {", "cellMain()"})
}

// checkPrefixes fails t unless got has one element per prefix in want,
// each starting with its prefix; what names the elements in messages.
func checkPrefixes(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%ss %q, want %d", what, got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("%s %d = %q, want prefix %q", what, i, got[i], w)
		}
	}
}

func TestRunCellsOutcomes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	for _, tc := range []struct {
		cells       []string
		stdout, err string
		compile     bool
	}{
		{[]string{"import \"fmt\"\nfmt.Println(\"hi\")\n"}, "hi\n", "", false},
		{[]string{"import \"fmt\"\nfmt.Println(\"a\")\nvar m map[string]int\nm[\"x\"] = 1\n"}, "a\n", "assignment to entry in nil map", false},
		{[]string{"func f() int {\n}\n"}, "", "missing return", true},
		{[]string{"import \"strings\"\nx := 1\nx = 2\n"}, "", "declared and not used: x", true},
	} {
		out, err := runCells(tc.cells, t.TempDir(), false, "test")
		if err != nil {
			t.Fatal(err)
		}
		if out.stdout != tc.stdout || out.errMsg != tc.err || out.compileError != tc.compile {
			t.Errorf("%q: got %+v, want stdout %q error %q compile %v", tc.cells, out, tc.stdout, tc.err, tc.compile)
		}
	}
}

func TestSplitShare(t *testing.T) {
	held := 0
	for i := range 1000 {
		if Split("case-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26))) == "heldout" {
			held++
		}
	}
	if held < 300 || held > 500 {
		t.Errorf("%d of 1000 names held out, want about 400", held)
	}
	// Fixed by the name alone: these two values are part of the corpus.
	if Split("printing-percent-T") != "heldout" || Split("runtime-deadlock") != "dev" {
		t.Error("the split of existing case names changed")
	}
}
