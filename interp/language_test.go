package interp

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestLanguage checks the language_info the kernel reports for Go cells:
// Go at the version of the toolchain that built the binary (as its build
// information records it).
func TestLanguage(t *testing.T) {
	l := (&Evaluator{}).LanguageInfo()
	if l != Language() {
		t.Errorf("Evaluator.LanguageInfo() = %v, Language() = %v", l, Language())
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information")
	}
	want, _, _ := strings.Cut(strings.TrimPrefix(bi.GoVersion, "go"), " ")
	if l.Version != want || !strings.HasPrefix(l.Version, "1.") {
		t.Errorf("version %q, want %q", l.Version, want)
	}
	m := l.Metadata()
	for k, v := range map[string]string{"name": "go", "mimetype": "text/x-go", "file_extension": ".go", "pygments_lexer": "go", "codemirror_mode": "go", "nbconvert_exporter": "script", "version": want} {
		if m[k] != v {
			t.Errorf("language_info.%s = %v, want %q", k, m[k], v)
		}
	}
	if len(m) != 7 {
		t.Errorf("language_info has %d fields, want 7: %v", len(m), m)
	}
}
