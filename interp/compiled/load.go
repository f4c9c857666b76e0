package compiled

import (
	"fmt"
	"plugin"
	"reflect"
)

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
