package search_test

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/search"
)

func ExampleIndex_Search() {
	movies := []search.Movie{
		{ID: 1, Title: "Shawshank Redemption, The", Year: 1994, Genres: []string{"Drama"}},
		{ID: 2, Title: "Fargo", Year: 1996, Genres: []string{"Crime", "Thriller"}},
		{ID: 3, Title: "Toy Story", Year: 1995, Genres: []string{"Animation", "Children's", "Comedy"}},
		{ID: 4, Title: "Hard Rain", Year: 1998, Genres: []string{"Action", "Thriller"}},
	}
	var ratings []dataset.Rating
	for u := range int32(8) {
		for m := range int32(4) {
			if (u+m)%3 != 0 {
				ratings = append(ratings, dataset.Rating{UserID: u + 1, MovieID: m + 1, Rating: 4})
			}
		}
	}
	ctx := context.Background()
	ix, err := search.BuildFromCatalog(ctx, movies, ratings, search.BuildOptions{})
	if err != nil {
		panic(err)
	}
	for _, q := range []string{"shawshank redemtion", "90s thrillers", "not thriller"} {
		res, err := ix.Search(ctx, q, search.Options{K: 2})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q:", q)
		for _, h := range res.Hits {
			fmt.Printf(" %s (%d);", h.Title, h.Year)
		}
		fmt.Println()
	}
	// Output:
	// "shawshank redemtion": The Shawshank Redemption (1994); Hard Rain (1998);
	// "90s thrillers": Fargo (1996); Hard Rain (1998);
	// "not thriller": The Shawshank Redemption (1994); Toy Story (1995);
}
