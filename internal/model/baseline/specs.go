package baseline

import (
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// Neighbourhood sizes, regularisations and blend weights tuned on
// validation data.
var (
	knnGrid    = []int{10, 20, 50, 100, 200, 400}
	easeGrid   = []float64{50, 100, 200, 400, 800, 1600, 3200}
	alphaGrid  = []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	blendKGrid = []int{50, 100, 200, 400}
)

// PopularitySpec is the Popularity model (nothing to tune).
func PopularitySpec() model.Spec {
	return model.Spec{Name: "pop", Candidates: []model.Candidate{
		{Label: "-", New: func() model.Recommender { return NewPopularity() }},
	}}
}

// ItemKNNSpec is ItemKNN tuned over its neighbourhood size.
func ItemKNNSpec() model.Spec {
	s := model.Spec{Name: "itemknn"}
	for _, k := range knnGrid {
		s.Candidates = append(s.Candidates, model.Candidate{
			Label: fmt.Sprintf("k=%d", k),
			New:   func() model.Recommender { return NewItemKNN(k) },
		})
	}
	return s
}

// EASESpec is EASE^R tuned over its regularisation.
func EASESpec() model.Spec {
	s := model.Spec{Name: "ease"}
	for _, l := range easeGrid {
		s.Candidates = append(s.Candidates, model.Candidate{
			Label: fmt.Sprintf("lambda=%g", l),
			New:   func() model.Recommender { return NewEASE(l) },
		})
	}
	return s
}

// MarkovSpec is the first-order Markov chain (nothing to tune).
func MarkovSpec() model.Spec {
	return model.Spec{Name: "markov", Candidates: []model.Candidate{
		{Label: "-", New: func() model.Recommender { return NewMarkov() }},
	}}
}

// MarkovKNNSpec is the Markov + ItemKNN blend tuned over the neighbourhood
// size and the Markov weight.
func MarkovKNNSpec() model.Spec {
	s := model.Spec{Name: "markov_itemknn"}
	for _, k := range blendKGrid {
		for _, a := range alphaGrid {
			s.Candidates = append(s.Candidates, model.Candidate{
				Label: fmt.Sprintf("k=%d,alpha=%g", k, a),
				New:   func() model.Recommender { return NewMarkovKNN(k, a) },
			})
		}
	}
	return s
}

// Specs returns the general baselines every protocol's table reports:
// Popularity, ItemKNN and EASE^R.
func Specs() []model.Spec {
	return []model.Spec{PopularitySpec(), ItemKNNSpec(), EASESpec()}
}

// SequentialSpecs returns the baselines of the sequential protocol: Specs
// plus the Markov chain and the Markov + ItemKNN blend.
func SequentialSpecs() []model.Spec {
	return append(Specs(), MarkovSpec(), MarkovKNNSpec())
}
