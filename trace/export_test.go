package trace

// SetPartBytes sets how many bytes CheckInput gives a part of NDJSON,
// for tests that cut small inputs into many parts; it returns a function
// that restores the default.
func SetPartBytes(n int) (restore func()) {
	old := partBytes
	partBytes = n
	return func() { partBytes = old }
}
