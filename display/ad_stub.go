//go:build noad

package display

// adBundle is a stub for builds with the noad tag, which leave out the
// drawing of ad tapes (used while package ad is being changed).
func adBundle(v any) map[string]any { return nil }
