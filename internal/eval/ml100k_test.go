package eval_test

import (
	"context"
	"os"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/eval/evaltest"
	"github.com/moviegenie/genie/internal/model/baseline"
)

func TestML100KFilterCounts(t *testing.T) {
	d := evaltest.ML100KDataset(t)
	if d.Len() != 99249 || d.NumUsers() != 941 || d.NumItems() != 1349 {
		t.Fatalf("processed ml-100k: %d ratings, %d users, %d items; want 99249, 941, 1349", d.Len(), d.NumUsers(), d.NumItems())
	}
}

func TestML100KSequentialBaselines(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy: full baseline tuning on ml-100k")
	}
	d := evaltest.ML100KDataset(t)
	res, err := eval.Evaluate(context.Background(), d, eval.Sequential, baseline.SequentialSpecs(), eval.Options{Seed: 42, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	eval.WriteTable(os.Stdout, res)
}
