package eval_test

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
)

// Evaluate two baselines under the sequential protocol, as `genie eval` does
// for every model and protocol.
func ExampleEvaluate() {
	// Processed ratings in source-file order (normally read from
	// data/processed; here four users each walking five of the items 1..8
	// in order).
	var ratings []eval.Interaction
	for u := int64(1); u <= 4; u++ {
		for i := int64(0); i < 5; i++ {
			ratings = append(ratings, eval.Interaction{User: u, Item: (u+i)%8 + 1, Rating: 4, Timestamp: 100*u + i})
		}
	}
	d, err := eval.NewDataset(ratings)
	if err != nil {
		fmt.Println(err)
		return
	}
	specs := []model.Spec{baseline.PopularitySpec(), baseline.MarkovSpec()}
	res, err := eval.Evaluate(context.Background(), d, eval.Sequential, specs, eval.Options{Seed: 42})
	if err != nil {
		fmt.Println(err)
		return
	}
	// eval.WriteTable prints the tables, eval.WriteJSON writes the metrics/
	// file and Options.ExportDir writes DIR/<model>.<protocol>.jsonl.
	for _, r := range res {
		hr, _ := r.Test.Get("hr@1")
		fmt.Printf("%s HR@1 %.2f\n", r.Model, hr)
	}
	// Output:
	// pop HR@1 0.50
	// markov HR@1 1.00
}
