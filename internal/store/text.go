package store

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// yearSuffix is MovieLens's " (1995)" at the end of a title.
var yearSuffix = regexp.MustCompile(`\s*\(\d{4}(?:[-–]\d{0,4})?\)\s*$`)

// trailingArticle is the catalogue's "Shawshank Redemption, The".
var trailingArticle = regexp.MustCompile(`(?i)^(.*), (the|a|an|les|la|le|il|el|das|der|die|l')$`)

var leadingArticles = []string{"the ", "a ", "an "}

// TitleKeys returns the two keys a title prefix is matched against, both
// normalized with NormalizePrefix and without the year: the title as spoken
// ("the shawshank redemption", a trailing ", The" moved to the front) and
// the same without a leading English article ("shawshank redemption"), which
// is also the sort key.
func TitleKeys(title string) (full, sort string) {
	t := yearSuffix.ReplaceAllString(title, "")
	if m := trailingArticle.FindStringSubmatch(t); m != nil {
		t = m[2] + " " + m[1]
	}
	full = NormalizePrefix(t)
	sort = full
	for _, a := range leadingArticles {
		if strings.HasPrefix(sort, a) {
			sort = sort[len(a):]
			break
		}
	}
	return full, sort
}

// NormalizePrefix lower-cases s, drops punctuation other than letters,
// digits and spaces, and collapses runs of spaces, so "Star  Wars:" and
// "star wars" match the same titles.
func NormalizePrefix(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case unicode.IsSpace(r) || r == '-' || r == ':' || r == ',' || r == '.':
			space = true
		default:
			// apostrophes and other marks vanish: "schindler's" = "schindlers"
		}
	}
	if space && b.Len() > 0 && strings.TrimRightFunc(s, unicode.IsSpace) != s {
		b.WriteByte(' ') // a trailing space is meaningful in a prefix: "star " != "stardust"
	}
	return b.String()
}

// PrefixRange returns the half-open key range [lo, hi) of strings that start
// with the normalized prefix p, for an indexed range scan under binary (C)
// collation. ok is false for an empty prefix.
func PrefixRange(p string) (lo, hi string, ok bool) {
	if p == "" {
		return "", "", false
	}
	return p, p + "\U0010FFFF", true
}

// DocumentText is the text indexed for a movie: title, year, genres and
// distinct tags.
func DocumentText(title string, year *int32, genres, tags []string) string {
	var b strings.Builder
	b.WriteString(title)
	if year != nil && !yearSuffix.MatchString(title) {
		b.WriteString(" (" + strconv.Itoa(int(*year)) + ")")
	}
	if len(genres) > 0 {
		b.WriteString(". Genres: " + strings.Join(genres, ", "))
	}
	if len(tags) > 0 {
		b.WriteString(". Tags: " + strings.Join(tags, ", "))
	}
	return b.String()
}
