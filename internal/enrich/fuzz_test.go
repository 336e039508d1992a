package enrich

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse (strict and skipping) and
// ParseKeywords: they must return an error or records, never panic, and
// every record must have a key to match on and valid UTF-8 text.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "tmdb5000_small.csv")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"id,title,release_date,keywords,runtime\n1,A,1999-01-01,\"[{'name': 'x'}]\",90.0\n",
		"\ufefftmdb_id,imdb_id,overview\n2,tt0000002,\"multi\nline\"\n",
		"title,year\nCaf\xe9,2001\n",
		"id,keywords\n1,\"[\"\"a\"\", {\"\"name\"\": \"\"b\\u00e9\"\"}]\"\n",
		"id\n\"\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			res, err := Parse(bytes.NewReader(data), Options{Name: "fuzz.csv", SkipBad: skip})
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz.csv") {
					t.Fatalf("error without the file name: %v", err)
				}
				continue
			}
			for _, r := range res.Records {
				if r.TMDbID <= 0 && r.IMDbID <= 0 && r.Title == "" {
					t.Fatalf("record without a key: %+v", r)
				}
				for _, s := range append([]string{r.Title, r.OriginalTitle, r.Overview, r.Tagline, r.PosterPath}, r.Keywords...) {
					if !utf8.ValidString(s) {
						t.Fatalf("invalid UTF-8 %q in %+v", s, r)
					}
				}
				if r.Year != 0 && (r.Year < 1800 || r.Year > 2200) || r.Runtime < 0 {
					t.Fatalf("out of range: %+v", r)
				}
				_ = MovieTitleKeys(r.Title)
			}
		}
		if kw, err := ParseKeywords(string(data)); err == nil {
			for _, k := range kw {
				if k == "" || k != strings.TrimSpace(k) {
					t.Fatalf("keyword %q", k)
				}
			}
		}
	})
}
