package ad

// blasParallelWork is the size of a matrix product, in multiply–adds, from
// which an OpenBLAS build runs it on all cores (blas_openblas.go): a
// 784×300 matrix–vector product (235,200) stays on one thread, the
// 300×784×128 product of a batch-128 step (30 million) uses every core.
const blasParallelWork = 1 << 22

// blasThreads returns the number of BLAS threads for a product of work
// multiply–adds on a machine where max threads are available.
func blasThreads(work, max int) int {
	if work < blasParallelWork || max < 1 {
		return 1
	}
	return max
}
