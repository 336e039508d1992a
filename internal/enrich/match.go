package enrich

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/search"
)

// Match methods, as stored in Row.Method and counted in Coverage.ByMethod.
const (
	MethodTMDb          = "tmdb_id"
	MethodIMDb          = "imdb_id"
	MethodTitleYear     = "title_year"
	MethodTitleNearYear = "title_near_year"
)

// Methods lists the match methods in the order they are tried.
var Methods = []string{MethodTMDb, MethodIMDb, MethodTitleYear, MethodTitleNearYear}

// TitleMatching says which movies may be matched by title and year.
type TitleMatching string

// Title matching modes.
const (
	// TitlesAuto matches by title the movies the links file gives no TMDB
	// or IMDb id: every movie of a release without links (ml-100k, ml-1m),
	// the few unlinked movies of one with links.
	TitlesAuto TitleMatching = "auto"
	// TitlesAlways also tries titles for movies whose ids found nothing.
	TitlesAlways TitleMatching = "always"
	// TitlesNever matches by ids only.
	TitlesNever TitleMatching = "never"
)

// ParseTitleMatching reads auto, always or never.
func ParseTitleMatching(s string) (TitleMatching, error) {
	switch m := TitleMatching(s); m {
	case TitlesAuto, TitlesAlways, TitlesNever:
		return m, nil
	case "":
		return TitlesAuto, nil
	}
	return TitlesAuto, fmt.Errorf("unknown title matching %q: want auto, always or never", s)
}

// MatchOptions configure Match.
type MatchOptions struct {
	// Titles selects the movies matched by title and year (default auto).
	Titles TitleMatching
	// YearTolerance lets a title match a record whose year differs by up
	// to this many years when no record has the exact year (0: exact only).
	YearTolerance int
	// Sample is the number of unmatched titles the report lists (default 10).
	Sample int
}

// Coverage reports how much of the catalogue a metadata file covers.
type Coverage struct {
	// Sources are the metadata files read.
	Sources []string `json:"sources"`
	// Records are the distinct movies in them; DuplicateRecords the rows
	// that repeated an id; SkippedLines the malformed rows passed over.
	Records          int    `json:"records"`
	DuplicateRecords int    `json:"duplicate_records"`
	SkippedLines     int    `json:"skipped_lines"`
	FirstSkipped     string `json:"first_skipped,omitempty"`
	// DatasetHasLinks is whether the release's links give TMDB or IMDb ids.
	DatasetHasLinks bool `json:"dataset_has_links"`
	// Movies is the catalogue size; Matched the movies given a record.
	Movies   int     `json:"movies"`
	Matched  int     `json:"matched"`
	Coverage float64 `json:"coverage"`
	// ByMethod counts the matched movies per method (every method listed).
	ByMethod map[string]int `json:"by_method"`
	// Ambiguous counts movies whose title and year fit several records
	// (left unmatched rather than guessed).
	Ambiguous int `json:"ambiguous"`
	Unmatched int `json:"unmatched"`
	// UnmatchedSample lists unmatched movies spread over the catalogue,
	// "Title (year) [id N]".
	UnmatchedSample []string `json:"unmatched_sample"`
	// Filled counts matched movies with a non-empty value per field.
	Filled map[string]int `json:"filled"`
	// MinCoverage is the required coverage; Passed whether it was reached.
	MinCoverage float64 `json:"min_coverage"`
	Passed      bool    `json:"passed"`
}

// leadingArticles are dropped from the front of a title key, so "The
// Birdcage" and "Birdcage, The" agree.
var leadingArticles = map[string]bool{"the": true, "a": true, "an": true, "la": true, "le": true, "les": true,
	"l": true, "il": true, "lo": true, "el": true, "los": true, "las": true, "das": true, "der": true, "die": true,
	"den": true, "det": true, "un": true, "une": true}

// TitleKey normalises a title for matching: a trailing article moved to
// the front ("Birdcage, The"), diacritics folded, punctuation removed,
// apostrophes joined ("Schindler's" -> "schindlers"), "&" and "and"
// dropped, then a leading article dropped. "Misérables, Les" and "Les
// Miserables" both give "miserables".
func TitleKey(title string) string {
	toks := search.Tokens(search.DisplayTitle(strings.TrimSpace(title)))
	kept := toks[:0]
	for _, t := range toks {
		if t != "and" {
			kept = append(kept, t)
		}
	}
	if len(kept) > 1 && leadingArticles[kept[0]] {
		kept = kept[1:]
	}
	return strings.Join(kept, " ")
}

// MovieTitleKeys returns the keys of a MovieLens title (without its year):
// the whole title, the main title before a parenthesised part, and each
// parenthesised alternative ("City of Lost Children, The (Cité des enfants
// perdus, La)" gives "city of lost children" and "cite des enfants
// perdus"; "a.k.a." is dropped).
func MovieTitleKeys(title string) []string {
	var keys []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		for _, p := range []string{"a.k.a. ", "aka ", "a.k.a ", "A.K.A. "} {
			s = strings.TrimPrefix(s, p)
		}
		if k := TitleKey(s); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(title)
	if i := strings.Index(title, " ("); i > 0 {
		add(title[:i])
		rest := title[i:]
		for {
			open := strings.IndexByte(rest, '(')
			if open < 0 {
				break
			}
			depth, end := 0, -1
			for j := open; j < len(rest) && end < 0; j++ {
				switch rest[j] {
				case '(':
					depth++
				case ')':
					if depth--; depth == 0 {
						end = j
					}
				}
			}
			if end < 0 {
				break
			}
			add(rest[open+1 : end])
			rest = rest[end+1:]
		}
	}
	return keys
}

// Merge combines the records of several files that describe the same
// movies (movies_metadata.csv and its keywords.csv): records with the same
// TMDB id, or without one the same IMDb id, become one; an earlier file's
// non-empty fields win and later files fill the gaps. Records with neither
// id are kept as they are. The result is in first-seen order.
func Merge(files ...[]Record) []Record {
	var out []Record
	byTMDb := map[int64]int{}
	byIMDb := map[int64]int{}
	for _, recs := range files {
		for _, r := range recs {
			i, ok := -1, false
			if r.TMDbID > 0 {
				i, ok = byTMDb[r.TMDbID]
			} else if r.IMDbID > 0 {
				i, ok = byIMDb[r.IMDbID]
			}
			if !ok {
				out = append(out, r)
				i = len(out) - 1
			} else {
				fill(&out[i], &r)
			}
			if out[i].TMDbID > 0 {
				byTMDb[out[i].TMDbID] = i
			}
			if out[i].IMDbID > 0 {
				if _, seen := byIMDb[out[i].IMDbID]; !seen {
					byIMDb[out[i].IMDbID] = i
				}
			}
		}
	}
	return out
}

// fill copies src's fields into dst's empty ones.
func fill(dst, src *Record) {
	if dst.TMDbID == 0 {
		dst.TMDbID = src.TMDbID
	}
	if dst.IMDbID == 0 {
		dst.IMDbID = src.IMDbID
	}
	for _, p := range [][2]*string{{&dst.Title, &src.Title}, {&dst.OriginalTitle, &src.OriginalTitle},
		{&dst.Overview, &src.Overview}, {&dst.Tagline, &src.Tagline}, {&dst.PosterPath, &src.PosterPath}} {
		if *p[0] == "" {
			*p[0] = *p[1]
		}
	}
	if dst.Year == 0 {
		dst.Year = src.Year
	}
	if dst.Runtime == 0 {
		dst.Runtime = src.Runtime
	}
	if len(dst.Keywords) == 0 {
		dst.Keywords = src.Keywords
	}
}

// Match joins records to the catalogue. For each movie, in id order: its
// TMDB id from links, then its IMDb id; then, for the movies opt.Titles
// selects, its title keys (MovieTitleKeys, in order) and year against each
// record's title and original title (TitleKey) and release year — the exact
// year first, then within opt.YearTolerance. The first key that fits
// decides: if it fits more than one record the movie matches none (counted
// as ambiguous). A record may match several
// movies (a release listing a film twice).
func Match(recs []Record, movies []dataset.MovieRow, links []dataset.LinkRow, opt MatchOptions) ([]Row, *Coverage) {
	if opt.Titles == "" {
		opt.Titles = TitlesAuto
	}
	if opt.Sample == 0 {
		opt.Sample = 10
	}
	byTMDb := map[int64]int{}
	byIMDb := map[int64]int{}
	byTitle := map[string][]int{}
	titleKey := func(k string, year int32) string { return k + "\x00" + strconv.Itoa(int(year)) }
	for i := range recs {
		r := &recs[i]
		if _, ok := byTMDb[r.TMDbID]; r.TMDbID > 0 && !ok {
			byTMDb[r.TMDbID] = i
		}
		if _, ok := byIMDb[r.IMDbID]; r.IMDbID > 0 && !ok {
			byIMDb[r.IMDbID] = i
		}
		if r.Year == 0 {
			continue
		}
		for _, t := range []string{r.Title, r.OriginalTitle} {
			if k := TitleKey(t); k != "" {
				tk := titleKey(k, r.Year)
				if !slices.Contains(byTitle[tk], i) {
					byTitle[tk] = append(byTitle[tk], i)
				}
			}
		}
	}
	link := map[int32]*dataset.LinkRow{}
	cov := &Coverage{Movies: len(movies), ByMethod: map[string]int{}, Filled: map[string]int{}, UnmatchedSample: []string{}}
	for _, m := range Methods {
		cov.ByMethod[m] = 0
	}
	for _, f := range []string{"overview", "tagline", "keywords", "runtime", "poster_path"} {
		cov.Filled[f] = 0
	}
	for i := range links {
		link[links[i].MovieID] = &links[i]
		if links[i].TMDbID != nil || links[i].IMDbID != nil {
			cov.DatasetHasLinks = true
		}
	}
	order := make([]int, len(movies))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(movies[a].MovieID) - int(movies[b].MovieID) })

	// byTitleYear finds the one record fitting the movie's keys within
	// tol years: the smallest year difference first, then the keys in
	// order (the whole title, the main title, the alternatives); ambiguous
	// when the first key that fits fits several records.
	byTitleYear := func(m *dataset.MovieRow, tol int) (rec int, method string, ambiguous bool) {
		keys := MovieTitleKeys(m.Title)
		for d := 0; d <= tol; d++ {
			for _, k := range keys {
				var found []int
				for _, y := range []int32{*m.Year - int32(d), *m.Year + int32(d)} {
					for _, i := range byTitle[titleKey(k, y)] {
						if !slices.Contains(found, i) {
							found = append(found, i)
						}
					}
				}
				switch {
				case len(found) == 1:
					if d == 0 {
						return found[0], MethodTitleYear, false
					}
					return found[0], MethodTitleNearYear, false
				case len(found) > 1:
					return -1, "", true
				}
			}
		}
		return -1, "", false
	}

	var rows []Row
	var unmatched []int
	for _, mi := range order {
		m := &movies[mi]
		rec, method := -1, ""
		idTried := false
		if l := link[m.MovieID]; l != nil {
			if l.TMDbID != nil {
				idTried = true
				if i, ok := byTMDb[*l.TMDbID]; ok {
					rec, method = i, MethodTMDb
				}
			}
			if rec < 0 && l.IMDbID != nil {
				idTried = true
				if i, ok := byIMDb[*l.IMDbID]; ok {
					rec, method = i, MethodIMDb
				}
			}
		}
		tryTitle := opt.Titles == TitlesAlways || opt.Titles == TitlesAuto && !idTried
		if rec < 0 && tryTitle && m.Year != nil {
			var amb bool
			rec, method, amb = byTitleYear(m, max(opt.YearTolerance, 0))
			if amb {
				cov.Ambiguous++
			}
		}
		if rec < 0 {
			unmatched = append(unmatched, mi)
			continue
		}
		rows = append(rows, newRow(m.MovieID, &recs[rec], method))
		cov.ByMethod[method]++
	}
	for i := range rows {
		r := &rows[i]
		for f, ok := range map[string]bool{"overview": r.Overview != "", "tagline": r.Tagline != "",
			"keywords": len(r.Keywords) > 0, "runtime": r.Runtime != nil, "poster_path": r.PosterPath != ""} {
			if ok {
				cov.Filled[f]++
			}
		}
	}
	cov.Records = len(recs)
	cov.Matched = len(rows)
	cov.Unmatched = len(unmatched)
	if cov.Movies > 0 {
		cov.Coverage = float64(cov.Matched) / float64(cov.Movies)
	}
	n := min(opt.Sample, len(unmatched))
	for i := 0; i < n; i++ {
		m := &movies[unmatched[i*len(unmatched)/n]]
		cov.UnmatchedSample = append(cov.UnmatchedSample, describe(m))
	}
	cov.Passed = true
	return rows, cov
}

// describe is "Title (year) [id N]".
func describe(m *dataset.MovieRow) string {
	s := m.Title
	if m.Year != nil {
		s += fmt.Sprintf(" (%d)", *m.Year)
	}
	return s + fmt.Sprintf(" [id %d]", m.MovieID)
}

// newRow makes a movie's enrichment row from its record.
func newRow(id int32, r *Record, method string) Row {
	row := Row{MovieID: id, Overview: r.Overview, Tagline: r.Tagline, Keywords: r.Keywords,
		PosterPath: r.PosterPath, Method: method}
	if row.Keywords == nil {
		row.Keywords = []string{}
	}
	if r.TMDbID > 0 {
		v := r.TMDbID
		row.TMDbID = &v
	}
	if r.IMDbID > 0 {
		v := r.IMDbID
		row.IMDbID = &v
	}
	if r.Runtime > 0 {
		v := r.Runtime
		row.Runtime = &v
	}
	return row
}

// Check sets MinCoverage and Passed and returns an error, spelling out the
// shortfall, when the coverage is below required (a fraction, 0..1).
func (c *Coverage) Check(required float64) error {
	c.MinCoverage = required
	c.Passed = c.Coverage >= required
	if c.Passed {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "enrichment coverage %.1f%% (%d of %d movies) is below the required %.1f%% (--min-coverage %g)",
		100*c.Coverage, c.Matched, c.Movies, 100*required, required)
	fmt.Fprintf(&b, "; matched %s", c.methods())
	if c.Ambiguous > 0 {
		fmt.Fprintf(&b, "; %d ambiguous titles", c.Ambiguous)
	}
	if !c.DatasetHasLinks {
		b.WriteString("; the release has no links file, so movies were matched by title and year only (try --year-tolerance 1)")
	}
	if len(c.UnmatchedSample) > 0 {
		fmt.Fprintf(&b, "; unmatched e.g. %s", strings.Join(c.UnmatchedSample[:min(3, len(c.UnmatchedSample))], "; "))
	}
	return fmt.Errorf("%s", b.String())
}

// methods is "tmdb_id 10, imdb_id 0, ...".
func (c *Coverage) methods() string {
	var parts []string
	for _, m := range Methods {
		parts = append(parts, fmt.Sprintf("%s %d", m, c.ByMethod[m]))
	}
	return strings.Join(parts, ", ")
}

// Summary prints the report for people.
func (c *Coverage) Summary(w io.Writer) {
	fmt.Fprintf(w, "metadata: %d records from %s", c.Records, strings.Join(c.Sources, ", "))
	if c.DuplicateRecords > 0 {
		fmt.Fprintf(w, " (%d duplicate rows ignored)", c.DuplicateRecords)
	}
	if c.SkippedLines > 0 {
		fmt.Fprintf(w, " (%d malformed rows skipped; first: %s)", c.SkippedLines, c.FirstSkipped)
	}
	fmt.Fprintln(w)
	how := "links (tmdbId, else imdbId)"
	if !c.DatasetHasLinks {
		how = "title + year (the release has no links)"
	}
	fmt.Fprintf(w, "coverage: %d of %d movies (%.1f%%) by %s\n", c.Matched, c.Movies, 100*c.Coverage, how)
	fmt.Fprintf(w, "  by method: %s\n", c.methods())
	if c.Ambiguous > 0 {
		fmt.Fprintf(w, "  ambiguous (several records fit, left unmatched): %d\n", c.Ambiguous)
	}
	fmt.Fprintf(w, "  filled: overview %d, tagline %d, keywords %d, runtime %d, poster_path %d\n",
		c.Filled["overview"], c.Filled["tagline"], c.Filled["keywords"], c.Filled["runtime"], c.Filled["poster_path"])
	if len(c.UnmatchedSample) > 0 {
		fmt.Fprintf(w, "unmatched (%d), e.g.:\n", c.Unmatched)
		for _, s := range c.UnmatchedSample {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}

// WriteJSON stores the report at path atomically (indented JSON).
func (c *Coverage) WriteJSON(path string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'))
}
