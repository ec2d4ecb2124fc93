package trace

// SetPartBytes sets how many bytes CheckInput gives a part of NDJSON,
// for tests that cut small inputs into many parts; it returns a function
// that restores the default.
func SetPartBytes(n int) (restore func()) {
	old := partBytes
	partBytes = n
	return func() { partBytes = old }
}

// Rereads is how many documents CheckInput has read again, for damage
// or a wrong guess of where a part ends.
func Rereads() int64 { return rereads.Load() }
