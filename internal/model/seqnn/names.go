package seqnn

// Names returns the names of the sequential models this package trains
// (sasrec, bert4rec; the Name constants of packages sasrec and bert4rec,
// which import this one), in the order they are tried: each is trained
// into, evaluated from and served from models/<name>.
func Names() []string { return []string{"sasrec", "bert4rec"} }
