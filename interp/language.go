package interp

import (
	"runtime"
	"strings"

	"github.com/gopherprop/gopherprop/kernel"
)

// Language describes the language cells are written in, Go at the version
// of the toolchain this program was built with (whose standard library the
// interpreter runs): kernel_info_reply's language_info, a notebook's
// metadata and the kernelspec's language all come from here.
func Language() kernel.LanguageInfo {
	version, _, _ := strings.Cut(strings.TrimPrefix(runtime.Version(), "go"), " ")
	return kernel.LanguageInfo{
		Name:              "go",
		Version:           version,
		MIMEType:          "text/x-go",
		FileExtension:     ".go",
		PygmentsLexer:     "go",
		CodeMirrorMode:    "go",
		NBConvertExporter: "script",
	}
}

// LanguageInfo implements kernel.Evaluator: Language.
func (e *Evaluator) LanguageInfo() kernel.LanguageInfo { return Language() }
