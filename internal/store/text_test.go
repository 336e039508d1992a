package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTitleKeys(t *testing.T) {
	tests := []struct{ title, full, sort string }{
		{"Toy Story (1995)", "toy story", "toy story"},
		{"Toy Story", "toy story", "toy story"},
		{"Shawshank Redemption, The (1994)", "the shawshank redemption", "shawshank redemption"},
		{"Shawshank Redemption, The", "the shawshank redemption", "shawshank redemption"},
		{"Clockwork Orange, A (1971)", "a clockwork orange", "clockwork orange"},
		{"Misérables, Les (1995)", "les misérables", "les misérables"},
		{"Star Trek: First Contact (1996)", "star trek first contact", "star trek first contact"},
		{"Schindler's List (1993)", "schindlers list", "schindlers list"},
		{"Cosmos (1980-1981)", "cosmos", "cosmos"},
		{"The Matrix", "the matrix", "matrix"},
		{"Them!", "them", "them"},
		{"", "", ""},
	}
	for _, tc := range tests {
		full, sort := TitleKeys(tc.title)
		if full != tc.full || sort != tc.sort {
			t.Errorf("TitleKeys(%q) = %q, %q; want %q, %q", tc.title, full, sort, tc.full, tc.sort)
		}
	}
}

func TestNormalizePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"Star  Wars:": "star wars", "star ": "star ", "  star": "star", "STAR-TREK": "star trek",
		"!!": "", "": "", " ": "", "Amélie": "amélie", "l'homme": "lhomme",
	} {
		if got := NormalizePrefix(in); got != want {
			t.Errorf("NormalizePrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzTitlePrefix: user-typed prefixes are outside input. Normalizing is
// idempotent and yields valid UTF-8, and every prefix a user could type of
// a title's spoken form finds the title by the key range.
func FuzzTitlePrefix(f *testing.F) {
	for _, s := range []string{"Shawshank Redemption, The (1994)", "Star Wars (1977)", "Amélie", "a\xffb", "x, The"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, title string, cut int) {
		n := NormalizePrefix(title)
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizePrefix(%q) = %q: invalid UTF-8", title, n)
		}
		if again := NormalizePrefix(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", title, n, again)
		}
		full, sort := TitleKeys(title)
		if !strings.HasSuffix(full, sort) {
			t.Fatalf("TitleKeys(%q) = %q, %q: sort key is not the full key without its article", title, full, sort)
		}
		runes := []rune(full)
		if len(runes) == 0 {
			return
		}
		cut = 1 + abs(cut)%len(runes)
		typed := string(runes[:cut])
		lo, hi, ok := PrefixRange(NormalizePrefix(typed))
		if !ok {
			return // only spaces were cut
		}
		if !(full >= lo && full < hi) {
			t.Fatalf("title %q (key %q): typed %q gives range [%q, %q) without the key", title, full, typed, lo, hi)
		}
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
