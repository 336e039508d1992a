package nn

import "math"

// EMA keeps an exponential moving average of parameters' values over
// training steps (Polyak averaging with exponential weights), bias-corrected
// as Adam's moments are: after t updates the average is
// sum_s decay^(t-s) w_s / sum_s decay^(t-s), so early averages are not
// pulled towards the initial values. Evaluating with the average instead of
// the last step's weights smooths out the noise of the last steps.
type EMA struct {
	// Decay is the weight of the previous average at each update, in
	// [0, 1): 0 keeps only the latest values; 0.999 averages over about
	// the last thousand updates.
	Decay float64

	params []*Tensor
	avg    [][]float32
	t      int
}

// NewEMA returns an average of params with the given decay, starting from
// their current values.
func NewEMA(params []*Tensor, decay float64) *EMA {
	e := &EMA{Decay: decay, params: params}
	for _, p := range params {
		e.avg = append(e.avg, append([]float32(nil), p.Data...))
	}
	return e
}

// Update folds the parameters' current values into the average. Call it
// after each optimizer step.
func (e *EMA) Update() {
	e.t++
	dt := math.Pow(e.Decay, float64(e.t))
	beta := float32((e.Decay - dt) / (1 - dt)) // 0 at the first update
	for i, p := range e.params {
		a := e.avg[i]
		for j, w := range p.Data {
			a[j] = beta*a[j] + (1-beta)*w
		}
	}
}

// Swap exchanges the parameters' values with the average: call it once to
// evaluate (or keep) the average, and again to resume training from the
// trained values. It swaps slices, copying nothing.
func (e *EMA) Swap() {
	for i, p := range e.params {
		p.Data, e.avg[i] = e.avg[i], p.Data
	}
}
