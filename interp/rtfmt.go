package interp

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// fmtValue is a faithful compiled picture of a value whose type involves
// cell-declared types, built by converter functions the rewrite stage
// generates in interpreted code (fmtwrap.go) from the checker's types.
// yaegi gives compiled code anonymous struct types without methods, so
// fmt and encoding/json cannot see a cell type's name, field names or
// String/Error/Format/GoString/MarshalJSON methods below the top level;
// this picture carries them, and its Format and MarshalJSON methods
// print it as fmt and encoding/json print the compiled Go value.
type fmtValue struct {
	typ  string       // the type as %T shows it (main.T)
	kind reflect.Kind // of the underlying type
	leaf any          // basic kinds: the value as its underlying basic type; goVal: the value itself
	// goVal: the value's type involves no cell type, fmt prints leaf as is.
	goVal bool
	isNil bool
	// elems are a struct's fields or a slice's or array's elements.
	elems    []*fmtValue
	names    []string // struct field names
	tags     []string // struct field tags
	embedded []bool
	keys     []*fmtValue // a map's keys and values
	vals     []*fmtValue
	addr     uintptr          // a pointer's address
	deref    func() *fmtValue // a pointer's target, built on demand
	str      func() string
	err      func() string
	gostr    func() string
	format   func(fmt.State, rune)
	marshal  func() ([]byte, error)
}

// Constructors called by the generated converters.

func fvBasic(typ string, leaf any) *fmtValue {
	return &fmtValue{typ: typ, kind: reflect.ValueOf(leaf).Kind(), leaf: leaf}
}

func fvGo(x any) *fmtValue {
	v := &fmtValue{leaf: x, goVal: true, typ: "<nil>"}
	if x != nil {
		v.typ = reflect.TypeOf(x).String()
		v.kind = reflect.TypeOf(x).Kind()
	} else {
		v.kind = reflect.Interface
		v.isNil = true
	}
	return v
}

func fvNil(typ string, kind int) *fmtValue {
	return &fmtValue{typ: typ, kind: reflect.Kind(kind), isNil: true}
}

func fvStruct(typ string, names, tags []string, embedded []bool, fields []*fmtValue) *fmtValue {
	return &fmtValue{typ: typ, kind: reflect.Struct, names: names, tags: tags, embedded: embedded, elems: fields}
}

func fvList(typ string, kind int, elems []*fmtValue) *fmtValue {
	return &fmtValue{typ: typ, kind: reflect.Kind(kind), elems: elems}
}

func fvMap(typ string, keys, vals []*fmtValue) *fmtValue {
	return &fmtValue{typ: typ, kind: reflect.Map, keys: keys, vals: vals}
}

func fvPtr(typ string, p any, deref func() *fmtValue) *fmtValue {
	return &fmtValue{typ: typ, kind: reflect.Pointer, addr: reflect.ValueOf(p).Pointer(), deref: deref}
}

// fvMethods attaches the methods of the value's type (nil when absent).
func fvMethods(v *fmtValue, str, errm, gostr func() string, format func(fmt.State, rune), marshal func() ([]byte, error)) *fmtValue {
	v.str, v.err, v.gostr, v.format, v.marshal = str, errm, gostr, format, marshal
	return v
}

// fvArg is what a converted argument of a fmt call becomes: the dynamic
// value of a nil interface stays nil (fmt prints <nil> for it).
// fvText is the text/plain of a cell's final value of a cell-declared
// type: what %v prints of it in compiled Go.
func fvText(v *fmtValue) string { return fmt.Sprintf("%v", fvArg(v)) }

func fvArg(v *fmtValue) any {
	if v.goVal {
		return v.leaf
	}
	if v.isNil && v.kind == reflect.Interface {
		return nil
	}
	return v
}

// fvType is the type name %T prints for v.
func fvType(v *fmtValue) string {
	if v.isNil && v.kind == reflect.Interface {
		return "<nil>"
	}
	return v.typ
}

// Format implements fmt.Formatter, following fmt's printArg/printValue.
func (v *fmtValue) Format(f fmt.State, verb rune) {
	p := &fvPrinter{f: f}
	p.printArg(v, verb)
}

type fvPrinter struct {
	f        fmt.State
	erroring bool
}

func (p *fvPrinter) ws(s string) { p.f.Write([]byte(s)) }

// leafFmt formats x with the directive being printed.
func (p *fvPrinter) leafFmt(x any, verb rune) {
	fmt.Fprintf(p.f, fmt.FormatString(p.f, verb), x)
}

func (p *fvPrinter) sharpV(verb rune) bool { return verb == 'v' && p.f.Flag('#') }
func (p *fvPrinter) plusV(verb rune) bool  { return verb == 'v' && p.f.Flag('+') }

func (p *fvPrinter) printArg(v *fmtValue, verb rune) {
	if v.goVal {
		p.leafFmt(v.leaf, verb)
		return
	}
	switch verb {
	case 'T':
		p.leafFmt(v.typ, 's')
		return
	case 'p':
		p.fmtPointer(v, verb)
		return
	}
	if p.handleMethods(v, verb) {
		return
	}
	p.printValue(v, verb, 0, false)
}

func (p *fvPrinter) handleMethods(v *fmtValue, verb rune) (handled bool) {
	if p.erroring {
		return false
	}
	if verb == 'w' {
		verb = 'v'
	}
	if v.format != nil {
		v.format(p.f, verb)
		return true
	}
	if p.sharpV(verb) {
		if v.gostr != nil {
			p.ws(v.gostr())
			return true
		}
		return false
	}
	switch verb {
	case 'v', 's', 'x', 'X', 'q':
		if v.err != nil {
			p.leafFmt(v.err(), verb)
			return true
		}
		if v.str != nil {
			p.leafFmt(v.str(), verb)
			return true
		}
	}
	return false
}

// verbOK reports whether fmt accepts verb for a value of kind k.
func verbOK(k reflect.Kind, verb rune) bool {
	switch {
	case k == reflect.Bool:
		return strings.ContainsRune("tv", verb)
	case k >= reflect.Int && k <= reflect.Uintptr:
		return strings.ContainsRune("bcdoOqxXUv", verb)
	case k == reflect.Float32 || k == reflect.Float64 || k == reflect.Complex64 || k == reflect.Complex128:
		return strings.ContainsRune("bgGxXfFeEv", verb)
	case k == reflect.String:
		return strings.ContainsRune("vsxXq", verb)
	}
	return true
}

func (p *fvPrinter) badVerb(v *fmtValue, verb rune) {
	p.erroring = true
	p.ws("%!" + string(verb) + "(")
	switch {
	case v == nil || (v.isNil && v.kind == reflect.Interface):
		p.ws("<nil>")
	default:
		p.ws(v.typ + "=")
		p.printValue(v, 'v', 0, false)
	}
	p.ws(")")
	p.erroring = false
}

// elems prints the elements of an array or slice between open and close,
// separated by sep, as fmt does.
func (p *fvPrinter) elems(es []*fmtValue, open, sep, close string, verb rune, depth int, ro bool) {
	p.ws(open)
	for i, e := range es {
		if i > 0 {
			p.ws(sep)
		}
		p.printValue(e, verb, depth+1, ro)
	}
	p.ws(close)
}

func (p *fvPrinter) printValue(v *fmtValue, verb rune, depth int, ro bool) {
	if depth > 0 && !ro && p.handleMethods(v, verb) {
		return
	}
	if v.goVal {
		if ro {
			// fmt reaches such a value through an unexported field:
			// no methods are called on it or below it.
			p.printReflect(reflect.ValueOf(v.leaf), verb, depth)
			return
		}
		p.leafFmt(v.leaf, verb)
		return
	}
	switch v.kind {
	case reflect.Invalid:
		p.ws("<invalid reflect.Value>")
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		if !verbOK(v.kind, verb) {
			p.badVerb(v, verb)
			return
		}
		p.leafFmt(v.leaf, verb)
	case reflect.Map:
		if p.sharpV(verb) {
			p.ws(v.typ)
			if v.isNil {
				p.ws("(nil)")
				return
			}
			p.ws("{")
		} else {
			p.ws("map[")
		}
		idx := make([]int, len(v.keys))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return fvCompare(v.keys[a], v.keys[b]) })
		for n, i := range idx {
			if n > 0 {
				if p.sharpV(verb) {
					p.ws(", ")
				} else {
					p.ws(" ")
				}
			}
			p.printValue(v.keys[i], verb, depth+1, ro)
			p.ws(":")
			p.printValue(v.vals[i], verb, depth+1, ro)
		}
		if p.sharpV(verb) {
			p.ws("}")
		} else {
			p.ws("]")
		}
	case reflect.Struct:
		if p.sharpV(verb) {
			p.ws(v.typ)
		}
		p.ws("{")
		for i, fv := range v.elems {
			if i > 0 {
				if p.sharpV(verb) {
					p.ws(", ")
				} else {
					p.ws(" ")
				}
			}
			if p.plusV(verb) || p.sharpV(verb) {
				p.ws(v.names[i] + ":")
			}
			p.printValue(fv, verb, depth+1, ro || !isExported(v.names[i]))
		}
		p.ws("}")
	case reflect.Interface:
		// Only a nil interface reaches here: converters replace an
		// interface by its dynamic value.
		if p.sharpV(verb) {
			p.ws(v.typ + "(nil)")
		} else if verb == 'v' {
			p.ws("<nil>")
		} else {
			p.badVerb(v, verb)
		}
	case reflect.Array, reflect.Slice:
		if p.sharpV(verb) {
			p.ws(v.typ)
			if v.kind == reflect.Slice && v.isNil {
				p.ws("(nil)")
				return
			}
			p.elems(v.elems, "{", ", ", "}", verb, depth, ro)
			return
		}
		p.elems(v.elems, "[", " ", "]", verb, depth, ro)
	case reflect.Pointer:
		if depth == 0 && !v.isNil && v.deref != nil {
			if e := v.deref(); e != nil {
				switch e.kind {
				case reflect.Array, reflect.Slice, reflect.Struct, reflect.Map:
					if !e.goVal {
						p.ws("&")
						p.printValue(e, verb, depth+1, ro)
						return
					}
				}
			}
		}
		p.fmtPointer(v, verb)
	default:
		p.fmtPointer(v, verb)
	}
}

// printReflect prints a compiled value reached through an unexported field
// (fmt calls no methods there) by wrapping it in a struct field fmt cannot
// interface either.
func (p *fvPrinter) printReflect(rv reflect.Value, verb rune, depth int) {
	if !rv.IsValid() {
		p.leafFmt(nil, verb)
		return
	}
	holder := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "x", PkgPath: "main", Type: rv.Type()}})).Elem()
	reflect.NewAt(rv.Type(), holder.Field(0).Addr().UnsafePointer()).Elem().Set(rv)
	var b bytes.Buffer
	fmt.Fprintf(&b, fmt.FormatString(p.f, verb), holder.Interface())
	s := b.String()
	// Strip the holder's braces (and field name for %+v / %#v).
	if p.sharpV(verb) {
		if i := strings.Index(s, "{x:"); i >= 0 {
			s = s[i+3 : len(s)-1]
		}
	} else if p.plusV(verb) {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "{x:"), "}")
	} else {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	}
	p.ws(s)
}

func (p *fvPrinter) fmtPointer(v *fmtValue, verb rune) {
	switch v.kind {
	case reflect.Pointer, reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Map, reflect.Slice:
	default:
		p.badVerb(v, verb)
		return
	}
	u := v.addr
	switch verb {
	case 'v':
		if p.sharpV(verb) {
			p.ws("(" + v.typ + ")(")
			if u == 0 {
				p.ws("nil")
			} else {
				p.ws("0x" + strconv.FormatUint(uint64(u), 16))
			}
			p.ws(")")
			return
		}
		if u == 0 {
			p.leafFmt("<nil>", 's')
			return
		}
		p.leafFmt("0x"+strconv.FormatUint(uint64(u), 16), 's')
	case 'p':
		p.leafFmt(fmt.Sprintf("0x%x", u), 's')
		return
	case 'b', 'o', 'd', 'x', 'X':
		p.leafFmt(u, verb)
		return
	default:
		p.badVerb(v, verb)
		return
	}
}

func isExported(name string) bool {
	return name != "" && strings.ToUpper(name[:1]) == name[:1] && name[0] != '_'
}

// fvCompare orders map keys as fmt does (internal/fmtsort).
func fvCompare(a, b *fmtValue) int {
	av, bv := a.leaf, b.leaf
	if a.goVal && b.goVal || (av != nil && bv != nil) {
		return reflectCompare(reflect.ValueOf(av), reflect.ValueOf(bv))
	}
	switch a.kind {
	case reflect.Struct, reflect.Array:
		for i := range a.elems {
			if i < len(b.elems) {
				if c := fvCompare(a.elems[i], b.elems[i]); c != 0 {
					return c
				}
			}
		}
		return 0
	case reflect.Pointer:
		return cmp.Compare(a.addr, b.addr)
	}
	return 0
}

func reflectCompare(a, b reflect.Value) int {
	if !a.IsValid() || !b.IsValid() {
		return cmp.Compare(boolInt(a.IsValid()), boolInt(b.IsValid()))
	}
	if a.Kind() != b.Kind() {
		return cmp.Compare(a.Kind(), b.Kind())
	}
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.String:
		return cmp.Compare(a.String(), b.String())
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if math.IsNaN(x) || math.IsNaN(y) {
			return cmp.Compare(boolInt(!math.IsNaN(x)), boolInt(!math.IsNaN(y)))
		}
		return cmp.Compare(x, y)
	case reflect.Bool:
		return cmp.Compare(boolInt(a.Bool()), boolInt(b.Bool()))
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if c := reflectCompare(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if c := reflectCompare(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
	case reflect.Pointer, reflect.Chan:
		return cmp.Compare(a.Pointer(), b.Pointer())
	case reflect.Interface:
		return reflectCompare(a.Elem(), b.Elem())
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MarshalJSON implements json.Marshaler as encoding/json marshals the
// compiled value: field tags, embedded structs flattened, unexported
// fields left out, MarshalJSON methods called at any depth.
func (v *fmtValue) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := v.writeJSON(&b, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (v *fmtValue) writeJSON(b *bytes.Buffer, depth int) error {
	if depth > 1000 {
		return fmt.Errorf("json: unsupported value: encountered a cycle via %s", v.typ)
	}
	if v.marshal != nil {
		out, err := v.marshal()
		if err != nil {
			return fmt.Errorf("json: error calling MarshalJSON for type %s: %w", v.typ, err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, out); err != nil {
			return fmt.Errorf("json: error calling MarshalJSON for type %s: %w", v.typ, err)
		}
		b.Write(c.Bytes())
		return nil
	}
	if v.goVal || (v.leaf != nil && v.kind != reflect.Struct) {
		out, err := json.Marshal(v.leaf)
		if err != nil {
			return err
		}
		b.Write(out)
		return nil
	}
	if v.isNil {
		b.WriteString("null")
		return nil
	}
	switch v.kind {
	case reflect.Pointer:
		return v.deref().writeJSON(b, depth+1)
	case reflect.Slice, reflect.Array:
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := e.writeJSON(b, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case reflect.Map:
		type kv struct {
			k string
			v *fmtValue
		}
		var list []kv
		for i, k := range v.keys {
			var ks string
			switch {
			case k.kind == reflect.String:
				ks = reflect.ValueOf(k.leaf).String()
			default:
				ks = fmt.Sprint(k.leaf)
			}
			list = append(list, kv{ks, v.vals[i]})
		}
		slices.SortFunc(list, func(a, b kv) int { return strings.Compare(a.k, b.k) })
		b.WriteByte('{')
		for i, e := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			ks, _ := json.Marshal(e.k)
			b.Write(ks)
			b.WriteByte(':')
			if err := e.v.writeJSON(b, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.Struct:
		fields := jsonFields(v, 0, nil)
		b.WriteByte('{')
		n := 0
		for _, f := range fields {
			if f.omitEmpty && f.v.jsonEmpty() {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			ks, _ := json.Marshal(f.name)
			b.Write(ks)
			b.WriteByte(':')
			if f.quoted && f.v.leaf != nil {
				out, _ := json.Marshal(f.v.leaf)
				qs, _ := json.Marshal(string(out))
				b.Write(qs)
				continue
			}
			if err := f.v.writeJSON(b, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("json: unsupported type: %s", v.typ)
	}
	return nil
}

type jsonField struct {
	name      string
	v         *fmtValue
	depth     int
	tagged    bool
	omitEmpty bool
	quoted    bool
}

// jsonFields lists a struct's JSON fields with encoding/json's rules for
// embedded structs: fields of embedded structs are promoted; of several
// fields with one name the shallowest wins, a tagged one among equals, and
// otherwise all are dropped.
func jsonFields(v *fmtValue, depth int, out []jsonField) []jsonField {
	var all []jsonField
	var collect func(v *fmtValue, depth int)
	collect = func(v *fmtValue, depth int) {
		for i, f := range v.elems {
			tag := reflect.StructTag(v.tags[i]).Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			exported := isExported(v.names[i])
			if v.embedded[i] && name == "" {
				t := f
				if t.kind == reflect.Pointer && !t.isNil && t.deref != nil {
					t = t.deref()
				}
				if t.kind == reflect.Struct && !t.goVal && t.marshal == nil {
					collect(t, depth+1)
					continue
				}
			}
			if !exported {
				continue
			}
			jf := jsonField{name: v.names[i], v: f, depth: depth, tagged: name != ""}
			if name != "" {
				jf.name = name
			}
			jf.omitEmpty = strings.Contains(","+opts+",", ",omitempty,")
			jf.quoted = strings.Contains(","+opts+",", ",string,")
			all = append(all, jf)
		}
	}
	collect(v, depth)
	byName := map[string][]int{}
	for i, f := range all {
		byName[f.name] = append(byName[f.name], i)
	}
	for i, f := range all {
		idx := byName[f.name]
		if len(idx) == 1 {
			out = append(out, f)
			continue
		}
		best := -1
		ok := true
		for _, j := range idx {
			g := all[j]
			if best < 0 || g.depth < all[best].depth || (g.depth == all[best].depth && g.tagged && !all[best].tagged) {
				best = j
				ok = true
			} else if g.depth == all[best].depth && g.tagged == all[best].tagged {
				ok = false
			}
		}
		if ok && best == i {
			out = append(out, f)
		}
	}
	return out
}

func (v *fmtValue) jsonEmpty() bool {
	if v.isNil {
		return true
	}
	switch v.kind {
	case reflect.Slice, reflect.Map, reflect.Array:
		if v.goVal {
			return reflect.ValueOf(v.leaf).Len() == 0
		}
		return len(v.elems) == 0 && len(v.keys) == 0
	case reflect.Pointer:
		// A compiled pointer (a *string field) is empty when nil.
		return v.goVal && v.leaf != nil && reflect.ValueOf(v.leaf).IsNil()
	case reflect.Struct:
		return false
	}
	if v.leaf != nil {
		return reflect.ValueOf(v.leaf).IsZero()
	}
	return false
}
