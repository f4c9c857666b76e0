package interp

import (
	"fmt"
	"regexp"
	"strconv"

	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
)

// Positions: line L of cell N is line N*lineBase+L of the file yaegi sees,
// set with //line directives, so that every error and panic frame names
// the cell and line it comes from.

var lineDirRe = regexp.MustCompile(`//line cell:(\d+)`)

// lineBase separates cells in the line numbers seen by yaegi: line L of
// cell N is line N*lineBase+L of the file "_.go" (yaegi scopes imports by
// file name, so every chunk must keep its default name). go/scanner limits
// line numbers to 2^30, so cell numbers wrap around at maxCellSerial.
const (
	lineBase      = 10000
	maxCellSerial = 100000
)

// lineDir returns a //line directive placing the next line at line:col of
// cell (col 0: no column).
func lineDir(cid string, line, col int) string {
	n, _ := strconv.Atoi(cid)
	if col <= 0 {
		return fmt.Sprintf("//line %s:%d", yaegi.DefaultSourceName, n*lineBase+line)
	}
	return fmt.Sprintf("//line %s:%d:%d", yaegi.DefaultSourceName, n*lineBase+line, col)
}

// cellPos splits a yaegi line number into cell and line.
func cellPos(n int) (cid string, line int) {
	if n < lineBase {
		return "", n
	}
	return strconv.Itoa(n / lineBase), n % lineBase
}
