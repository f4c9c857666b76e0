package compiled

import (
	"bytes"
	"fmt"
	"os"
	"plugin"
	"reflect"

	"github.com/traefik/yaegi/extract"
)

// ExtractMain writes the yaegi symbol table of the package whose import
// path is args[0] to stdout, as Go source of package main filling a
// Symbols map. It resolves the package from the working directory, which
// yaegi's extract package requires, so it runs as a child process (the
// hidden `gopherprop compiled-extract` command). It returns the exit
// status.
func ExtractMain(args []string) int {
	if len(args) != 1 {
		os.Stderr.WriteString("usage: gopherprop compiled-extract IMPORT_PATH (run by %%compile, in its workspace)\n")
		return 2
	}
	var buf bytes.Buffer
	ext := extract.Extractor{Dest: "main"}
	if _, err := ext.Extract(args[0], "", &buf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Stdout.Write(buf.Bytes())
	return 0
}

// Open loads a plugin built by Compile and returns its symbol table, keyed
// by "realpath/name".
func Open(file string) (map[string]map[string]reflect.Value, error) {
	p, err := plugin.Open(file)
	if err != nil {
		return nil, err
	}
	s, err := p.Lookup("Symbols")
	if err != nil {
		return nil, err
	}
	m, ok := s.(*map[string]map[string]reflect.Value)
	if !ok {
		return nil, fmt.Errorf("%s: Symbols has type %T", file, s)
	}
	return *m, nil
}
