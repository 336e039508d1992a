package eval

// Map returns the metrics as a map from name to value (for JSON reports
// that want an object keyed by metric; a repeated name keeps its last
// value).
func (m Metrics) Map() map[string]float64 {
	out := make(map[string]float64, len(m))
	for _, x := range m {
		out[x.Name] = x.Value
	}
	return out
}
