package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlite"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// Build a database from processed tables, record feedback and read the
// user's history back: the recommender sees the new event at once.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "genie-store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "genie.db")

	rep, err := sqlite.Setup(ctx, path, storetest.Tables(), sqlite.SetupOptions{})
	if err != nil {
		log.Fatal(err) // names every failed check
	}
	fmt.Println("valid:", rep.OK, "movies:", rep.Counts[store.TableMovies].Actual)

	s, err := sqlite.Open(ctx, path, sqlite.Options{NoCreate: true})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	m, err := s.Movie(ctx, 4)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Title, m.Genres)

	it, err := s.AddFeedback(ctx, store.Feedback{UserID: 1, MovieID: 4, Kind: store.KindLike})
	if err != nil {
		log.Fatal(err)
	}
	seq, err := s.Sequence(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	last := seq[len(seq)-1]
	fmt.Println("last event:", last.ID == it.ID, last.Kind, last.MovieID)

	page, err := s.ListMovies(ctx, store.MovieQuery{Prefix: "the shaw", Limit: 5})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Total, page.Movies[0].Title)
	// Output:
	// valid: true movies: 30
	// Star Wars (1977) [Action Adventure Romance Sci-Fi War]
	// last event: true like 4
	// 1 Shawshank Redemption, The (1994)
}
