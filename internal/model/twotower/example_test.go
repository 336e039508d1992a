package twotower

import (
	"context"
	"fmt"
)

// Example fits the model on synthetic users who each like one of three
// genres, then serves a new user known only by three ratings.
func Example() {
	train, side := synthetic() // 300 users, 60 movies, genre = (id-10)/2 % 3
	cfg := DefaultConfig()
	cfg.EmbeddingDim, cfg.HiddenDims, cfg.BatchSize, cfg.Epochs, cfg.LearningRate = 16, []int{32, 16}, 64, 20, 0.01
	m := New(cfg, side)
	if err := m.Fit(context.Background(), train); err != nil {
		panic(err)
	}
	// A new user (no id embedding) who rated three genre-1 movies.
	seen := []int64{12, 18, 24}
	recs := m.Recommend(m.EmbedUser(UserQuery{History: seen}), 5, seen)
	fmt.Println("top 5 all of genre 1:", genreShare(recs, 1) == 1)
	// Output: top 5 all of genre 1: true
}
