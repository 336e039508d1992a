package baseline

import (
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// Neighbourhood sizes, regularisations and blend weights tuned on
// validation data.
var (
	knnGrid    = []int{5, 10, 20, 50, 100, 200, 400}
	easeGrid   = []float64{50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600}
	weightGrid = []float32{10, 30, 100, 300, 1000, 3000}
	// The recency variant's grid (not in SequentialSpecs).
	windowGrid       = []int{3, 5, 10}
	recentKGrid      = []int{50, 100, 200, 400}
	recentWeightGrid = []float32{3, 10, 30, 100}
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
	cache := NewSimilarityCache()
	for _, k := range knnGrid {
		s.Candidates = append(s.Candidates, model.Candidate{
			Label: fmt.Sprintf("k=%d", k),
			New:   func() model.Recommender { return NewItemKNN(k).WithCache(cache) },
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
	cache := NewSimilarityCache()
	for _, k := range knnGrid {
		for _, w := range weightGrid {
			s.Candidates = append(s.Candidates, model.Candidate{
				Label: fmt.Sprintf("k=%d,weight=%g", k, w),
				New:   func() model.Recommender { return NewMarkovKNN(k, w).WithCache(cache) },
			})
		}
	}
	return s
}

// RecentMarkovKNNSpec is the Markov + ItemKNN blend with ItemKNN restricted
// to the last few history items, tuned over the window, the neighbourhood
// size and the Markov weight. It is not part of SequentialSpecs (the
// issue's baseline set); see docs/eval.md for how it measures.
func RecentMarkovKNNSpec() model.Spec {
	s := model.Spec{Name: "markov_itemknn_recent"}
	cache := NewSimilarityCache()
	for _, win := range windowGrid {
		for _, k := range recentKGrid {
			for _, w := range recentWeightGrid {
				s.Candidates = append(s.Candidates, model.Candidate{
					Label: fmt.Sprintf("window=%d,k=%d,weight=%g", win, k, w),
					New: func() model.Recommender {
						m := NewMarkovKNN(k, w).WithCache(cache)
						m.Window = win
						return m
					},
				})
			}
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
