// Package baseline implements the non-neural recommenders every evaluation
// table reports: Popularity, ItemKNN (cosine item-item), EASE^R, a
// first-order Markov chain and a Markov + ItemKNN blend.
//
// All are deterministic and implement model.Recommender; Specs and
// SequentialSpecs return them with the hyper-parameter grids the evaluation
// harness tunes on validation data.
package baseline
