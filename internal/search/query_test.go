package search

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"The Shawshank Redemption", []string{"the", "shawshank", "redemption"}},
		{"Misérables, Les", []string{"miserables", "les"}},
		{"Schindler's List", []string{"schindlers", "list"}},
		{"L'Avventura", []string{"l", "avventura"}},
		{"sci-fi\x00\x07rain", []string{"sci", "fi", "rain"}},
		{"'90s", []string{"90s"}},
		{"A.I. Artificial Intelligence", []string{"ai", "artificial", "intelligence"}},
		{"L.A. Confidential", []string{"la", "confidential"}},
		{"S.W.A.T.", []string{"swat"}},
		{"Mr. Holland's Opus", []string{"mr", "hollands", "opus"}},
		{"end. Begin", []string{"end", "begin"}},
		{"Ærøskøbing Straße", []string{"aeroskobing", "strasse"}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := Tokens(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDisplayTitle(t *testing.T) {
	tests := map[string]string{
		"Shawshank Redemption, The":               "The Shawshank Redemption",
		"Godfather: Part II, The":                 "The Godfather: Part II",
		"Misérables, Les":                         "Les Misérables",
		"Star Maker, The (Uomo delle stelle, L')": "The Star Maker (Uomo delle stelle, L')",
		"Fargo":                           "Fargo",
		"Good, the Bad and the Ugly, The": "The Good, the Bad and the Ugly",
		"Crows and Sparrows, The (Wuya yu maque, La)": "The Crows and Sparrows (Wuya yu maque, La)",
		"Saint, The":                                     "The Saint",
		"Hunchback of Notre Dame, The":                   "The Hunchback of Notre Dame",
		"Nightmare Before Christmas, The":                "The Nightmare Before Christmas",
		"Good Will Hunting":                              "Good Will Hunting",
		"Lost World: Jurassic Park, The":                 "The Lost World: Jurassic Park",
		"Wizard of Oz, The":                              "The Wizard of Oz",
		"Brothers McMullen, The":                         "The Brothers McMullen",
		"Man Who Knew Too Little, The":                   "The Man Who Knew Too Little",
		"City of Lost Children, The":                     "The City of Lost Children",
		"Englishman Who Went Up a Hill, But Came Down a": "Englishman Who Went Up a Hill, But Came Down a",
	}
	for in, want := range tests {
		if got := DisplayTitle(in); got != want {
			t.Errorf("DisplayTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in       string
		terms    []string
		genres   []string
		only     bool
		exclude  []string
		min, max int32
		hint     int32
		like     string
	}{
		// Word boundaries: "rain" is not "ai", "scifi" inside nothing.
		{in: "rain man", terms: []string{"rain", "man"}},
		{in: "Singin' in the Rain", terms: []string{"singin", "rain"}},
		{in: "brain candy", terms: []string{"brain", "candy"}},
		{in: "warriors", terms: []string{"warriors"}},
		{in: "scarface", terms: []string{"scarface"}},
		{in: "sci-fi", genres: []string{"Sci-Fi"}, only: true},
		{in: "science fiction", genres: []string{"Sci-Fi"}, only: true},
		{in: "SCIFI movies", genres: []string{"Sci-Fi"}, only: true},
		{in: "rom-com", genres: []string{"Comedy", "Romance"}, only: true},
		{in: "romantic comedies", genres: []string{"Comedy", "Romance"}, only: true},
		{in: "funny animated movies for kids", genres: []string{"Comedy", "Animation", "Children's"}, only: true},
		{in: "cartoons", genres: []string{"Animation"}, only: true},
		{in: "scary movies", genres: []string{"Horror"}, only: true},
		{in: "film noir", genres: []string{"Film-Noir"}, only: true},
		{in: "space adventure", terms: []string{"space", "adventure"}, genres: []string{"Sci-Fi", "Adventure"}},
		{in: "star war", terms: []string{"star", "war"}, genres: []string{"War"}},
		// Eras.
		{in: "90s thrillers", genres: []string{"Thriller"}, only: true, min: 1990, max: 1999},
		{in: "thrillers from the '90s", genres: []string{"Thriller"}, only: true, min: 1990, max: 1999},
		{in: "nineties comedy", genres: []string{"Comedy"}, only: true, min: 1990, max: 1999},
		{in: "1990s drama", genres: []string{"Drama"}, only: true, min: 1990, max: 1999},
		{in: "1995 comedies", genres: []string{"Comedy"}, only: true, min: 1995, max: 1995},
		{in: "westerns before 1970", genres: []string{"Western"}, only: true, max: 1969},
		{in: "after 2000", only: true, min: 2001},
		{in: "since 2000", only: true, min: 2000},
		{in: "between 1980 and 1985 war", genres: []string{"War"}, only: true, min: 1980, max: 1985},
		{in: "2001 a space odyssey", terms: []string{"space", "odyssey", "2001"}, genres: []string{"Sci-Fi"}, hint: 2001},
		// Negation.
		{in: "not horror", exclude: []string{"Horror"}, only: true},
		{in: "comedy without romance", genres: []string{"Comedy"}, exclude: []string{"Romance"}, only: true},
		{in: "no horror 80s", exclude: []string{"Horror"}, only: true, min: 1980, max: 1989},
		{in: "no country for old men", terms: []string{"no", "country", "old", "men"}},
		// Like.
		{in: "movies like Fargo", like: "fargo"},
		{in: "similar to The Godfather", like: "the godfather"},
		{in: "like toy story but not horror", like: "toy story", exclude: []string{"Horror"}},
		{in: "funny movies like fargo", like: "fargo", genres: []string{"Comedy"}},
		{in: "i like horror", genres: []string{"Horror"}, terms: []string{"like", "horror"}},
		{in: "classic westerns", genres: []string{"Western"}, only: true},
		{in: "top rated comedies from the 80s", genres: []string{"Comedy"}, only: true, min: 1980, max: 1989},
		// Odd input.
		{in: "the", terms: []string{"the"}},
		{in: "the a of", terms: []string{"the", "a", "of"}},
	}
	for _, tc := range tests {
		q := ParseQuery(tc.in)
		if !reflect.DeepEqual(q.Terms, tc.terms) && !(len(q.Terms) == 0 && len(tc.terms) == 0) {
			t.Errorf("%q: terms %q, want %q", tc.in, q.Terms, tc.terms)
		}
		if !reflect.DeepEqual(q.Genres, tc.genres) && !(len(q.Genres) == 0 && len(tc.genres) == 0) {
			t.Errorf("%q: genres %q, want %q", tc.in, q.Genres, tc.genres)
		}
		if q.GenresOnly != tc.only {
			t.Errorf("%q: constraints only %v, want %v", tc.in, q.GenresOnly, tc.only)
		}
		if !reflect.DeepEqual(q.ExcludeGenres, tc.exclude) && !(len(q.ExcludeGenres) == 0 && len(tc.exclude) == 0) {
			t.Errorf("%q: exclude %q, want %q", tc.in, q.ExcludeGenres, tc.exclude)
		}
		if q.YearMin != tc.min || q.YearMax != tc.max || q.YearHint != tc.hint {
			t.Errorf("%q: years %d-%d hint %d, want %d-%d hint %d", tc.in, q.YearMin, q.YearMax, q.YearHint, tc.min, tc.max, tc.hint)
		}
		if q.Like != tc.like {
			t.Errorf("%q: like %q, want %q", tc.in, q.Like, tc.like)
		}
		for _, f := range q.Filters {
			if f.Source == "" || f.Value == "" {
				t.Errorf("%q: filter without source or value: %+v", tc.in, f)
			}
		}
	}
}

// TestParseQueryNoSubstringRules is the earlier product's defect: a rule
// for "ai" fired inside "rain". No rule may fire on part of a word.
func TestParseQueryNoSubstringRules(t *testing.T) {
	for _, in := range []string{"rain", "brain", "trains", "kidnapped", "warden", "scaryish", "dramatically",
		"spacey", "animatedly", "westernized", "1990ss", "90sth", "notorious", "nothingness", "likewise"} {
		q := ParseQuery(in)
		if len(q.Filters) != 0 || len(q.Terms) != 1 || q.Terms[0] != strings.ToLower(in) {
			t.Errorf("%q parsed as %+v, want one plain term", in, q)
		}
	}
}

func TestParseQueryBadInput(t *testing.T) {
	for _, in := range []string{"", "   ", "\x00\x01\x02", "!!!", strings.Repeat("a", 10<<10), strings.Repeat("é", 5<<10),
		"\xff\xfe", "like", "not", "before", "between 1990 and"} {
		q := ParseQuery(in)
		if len(q.Raw) > MaxQueryBytes {
			t.Errorf("%.20q: raw kept %d bytes", in, len(q.Raw))
		}
		if q.Empty() && len(q.Notes) == 0 {
			t.Errorf("%.20q: empty query without a note", in)
		}
	}
	if q := ParseQuery(strings.Repeat("word ", 3000)); len(q.Notes) == 0 || !strings.Contains(q.Notes[0], "cut") {
		t.Errorf("long query: notes %q, want a cut note", q.Notes)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"wras", "wars", 1, 1},
		{"godfater", "godfather", 2, 1},
		{"redemtion", "redemption", 2, 1},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 1, 2},
		{"", "abc", 3, 3},
		{"abc", "abc", 0, 0},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b, tc.max); got != tc.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.max, got, tc.want)
		}
	}
}
