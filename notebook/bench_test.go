package notebook

import (
	"encoding/json"
	"os"
	"testing"
)

// The baselines decode and encode the same file with encoding/json into
// generic values and no validation: BenchmarkParse / BenchmarkParseBaseline
// is the cost of validation and typed cells, BenchmarkMarshal /
// BenchmarkMarshalBaseline the cost of Jupyter's line splitting.

func benchData(b *testing.B) []byte {
	data, err := os.ReadFile(jupyterWritten)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkParse(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBaseline(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	data := benchData(b)
	nb, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Marshal(nb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalBaseline(b *testing.B) {
	data := benchData(b)
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := json.MarshalIndent(v, "", " "); err != nil {
			b.Fatal(err)
		}
	}
}
