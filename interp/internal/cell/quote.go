package cell

import (
	"fmt"
	"go/ast"
	"strings"
)

// ExprText returns the original source of e (an unrewritten expression
// of it) and its cell position.
func ExprText(it *Item, e ast.Expr) (string, int, int, bool) {
	if it.ExprRewritten {
		return "", 0, 0, false
	}
	p, q := it.Fset.Position(e.Pos()), it.Fset.Position(e.End())
	start, end := offsetIn(it, p.Line-1, p.Column), offsetIn(it, q.Line-1, q.Column)
	if start < 0 || end < start || end > len(it.Text) {
		return "", 0, 0, false
	}
	return it.Text[start:end], p.Line - 1, p.Column, true
}

// offsetIn converts a cell line:col into a byte offset in it.text.
func offsetIn(it *Item, line, col int) int {
	off := 0
	for l := it.Line; l < line; l++ {
		i := strings.IndexByte(it.Text[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	if line == it.Line {
		return off + col - it.Col
	}
	return off + col - 1
}

// Quote returns the source line with a caret under column col.
func Quote(src string, line, col int) []string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	l := strings.ReplaceAll(lines[line-1], "\t", "    ")
	prefix := fmt.Sprintf("  %4d | ", line)
	caretCol := col - 1
	if caretCol < 0 {
		caretCol = 0
	}
	raw := lines[line-1]
	if caretCol > len(raw) {
		caretCol = len(raw)
	}
	caretCol = len(strings.ReplaceAll(raw[:caretCol], "\t", "    "))
	return []string{prefix + l, strings.Repeat(" ", len(prefix)-2) + "| " + strings.Repeat(" ", caretCol) + "^"}
}
