package storetest

import (
	"context"
	"testing"

	"github.com/moviegenie/genie/internal/store"
)

// Bench measures the reads the API makes per request and durable feedback
// writes on s, a store loaded with a real dataset, cycling over its first
// 100 users and movies.
func Bench(b *testing.B, s store.Store) {
	ctx := context.Background()
	users, _, err := s.UserIDs(ctx, 0, 100)
	if err != nil {
		b.Fatal(err)
	}
	page, err := s.ListMovies(ctx, store.MovieQuery{Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	user := func(i int) int32 { return users[i%len(users)] }
	movie := func(i int) int32 { return page.Movies[i%len(page.Movies)].ID }
	cases := []struct {
		name string
		fn   func(i int) error
	}{
		{"Sequence", func(i int) error { _, err := s.Sequence(ctx, user(i)); return err }},
		{"SequenceVersion", func(i int) error { _, err := s.SequenceVersion(ctx, user(i)); return err }},
		{"History20", func(i int) error { _, err := s.History(ctx, user(i), 0, 20); return err }},
		{"UserProfile", func(i int) error { _, err := s.UserProfile(ctx, user(i), 5); return err }},
		{"Movie", func(i int) error { _, err := s.Movie(ctx, movie(i)); return err }},
		{"Movies20", func(i int) error {
			ids := make([]int32, 20)
			for k := range ids {
				ids[k] = movie(i + k*7)
			}
			_, err := s.Movies(ctx, ids)
			return err
		}},
		{"ListMoviesGenre", func(i int) error {
			_, err := s.ListMovies(ctx, store.MovieQuery{Genre: "Drama", Sort: store.SortPopular, Offset: i % 5 * 20, Limit: 20})
			return err
		}},
		{"ListMoviesPrefix", func(i int) error {
			_, err := s.ListMovies(ctx, store.MovieQuery{Prefix: "the", Sort: store.SortTitle, Limit: 20})
			return err
		}},
		{"PopularMovies", func(i int) error { _, err := s.PopularMovies(ctx, "", 20); return err }},
		{"AddFeedback", func(i int) error {
			_, err := s.AddFeedback(ctx, store.Feedback{UserID: user(i), MovieID: movie(i * 7), Kind: store.KindWatched})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if err := c.fn(i); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("SequenceParallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Sequence(ctx, user(i)); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}
