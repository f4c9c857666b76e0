package symbols

// The MNIST data package for the tutorial notebooks (owned by the notebooks
// engineer; kept in its own file so that symbols.go stays untouched).
//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract -name symbols github.com/gopherprop/gopherprop/mnist
