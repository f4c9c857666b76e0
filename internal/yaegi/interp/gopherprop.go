package interp

// Base is the yaegi release this copy of the interpreter was taken from.
// gopherprop's changes to it are listed in ../README.md; each change of
// behaviour is marked in the source with a "gopherprop:" comment.
const Base = "v0.16.1"
