package movielens

// Genres are the canonical genre names, in ml-100k's u.genre order. ml-1m's
// "Children's" and the CSV releases' "Children" are both "Children's";
// "(no genres listed)" is "unknown". The CSV releases' "IMAX" is kept in a
// movie's genre list but has no flag here: it is a format, not a genre.
var genreNames = [...]string{
	"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
	"Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
	"Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
}

// Genres returns the 19 canonical genre names in ml-100k's order.
func Genres() []string {
	out := make([]string, len(genreNames))
	copy(out, genreNames[:])
	return out
}

// GenreIndex returns the position of a canonical genre name in Genres, or -1.
func GenreIndex(name string) int {
	for i, g := range genreNames {
		if g == name {
			return i
		}
	}
	return -1
}

// CanonicalGenre maps a genre as spelled by any release to its canonical
// name, and reports whether it is known.
func CanonicalGenre(s string) (string, bool) {
	switch s {
	case "Children", "Children's":
		return "Children's", true
	case "(no genres listed)", "unknown":
		return "unknown", true
	case "IMAX":
		return "IMAX", true
	}
	if GenreIndex(s) >= 0 {
		return s, true
	}
	return s, false
}
