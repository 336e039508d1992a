package search

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxQueryBytes is the longest query text parsed; longer input is cut at a
// character boundary and the Query says so in Notes.
const MaxQueryBytes = 512

// MaxTerms is the most distinct text words a query searches.
const MaxTerms = 32

// Filter is one constraint the parser read from a query, with the words it
// came from, so a UI can show "genre Sci-Fi (from "space")".
type Filter struct {
	// Kind is "genre", "exclude_genre", "years", "year" (a soft hint) or "like".
	Kind string `json:"kind"`
	// Value is the canonical value: a genre name, a year range "1990-1999",
	// "-1969", "2001-", a year, or a title.
	Value string `json:"value"`
	// Source is the query text it was read from.
	Source string `json:"source"`
}

// Query is a parsed search query: constraints, and the words left for text
// retrieval.
type Query struct {
	// Raw is the query as given (cut to MaxQueryBytes).
	Raw string `json:"raw"`
	// Terms are the folded words for text retrieval, stop words removed.
	Terms []string `json:"terms"`
	// Genres are the genres asked for. With other words they boost; when
	// the query is only constraints (GenresOnly) they select.
	Genres []string `json:"genres,omitempty"`
	// GenresOnly is true when nothing but constraints was asked ("90s
	// thrillers"): results are the movies that satisfy them, best first.
	GenresOnly bool `json:"constraints_only,omitempty"`
	// ExcludeGenres are genres no result may have ("not horror").
	ExcludeGenres []string `json:"exclude_genres,omitempty"`
	// YearMin and YearMax bound the release year, inclusive; 0 is open.
	YearMin int32 `json:"year_min,omitempty"`
	YearMax int32 `json:"year_max,omitempty"`
	// YearHint is a year mentioned among other words ("2001 a space
	// odyssey"): it boosts movies of that year but also stays a text term.
	YearHint int32 `json:"year_hint,omitempty"`
	// Like is the title text of a "like X" / "similar to X" query.
	Like string `json:"like,omitempty"`
	// Filters lists every constraint read, with its source words.
	Filters []Filter `json:"filters,omitempty"`
	// Notes explain how the input was treated (cut, empty, only stop words).
	Notes []string `json:"notes,omitempty"`
}

// Empty reports whether the query asks for nothing at all.
func (q *Query) Empty() bool {
	return len(q.Terms) == 0 && len(q.Genres) == 0 && len(q.ExcludeGenres) == 0 &&
		q.YearMin == 0 && q.YearMax == 0 && q.Like == ""
}

// DenseText is the text handed to an Embedder: the text terms plus the
// canonical names of the genres asked for, so "scary" reaches "horror".
func (q *Query) DenseText() string {
	parts := append([]string(nil), q.Terms...)
	for _, g := range q.Genres {
		parts = append(parts, Tokens(g)...)
	}
	return strings.Join(parts, " ")
}

// genrePhrase maps a sequence of query words to genres. Soft phrases are
// themes as much as genres ("space", "family"): they also stay text terms.
type genrePhrase struct {
	words  []string
	genres []string
	soft   bool
}

// genrePhrases is the read-only synonym table, longest phrases first within
// each starting word (matching picks the longest).
var genrePhrases = buildGenrePhrases()

func buildGenrePhrases() map[string][]genrePhrase {
	type entry struct {
		phrases string // "|"-separated phrases
		genres  []string
		soft    bool
	}
	entries := []entry{
		{"action|actions|action packed|explosions", []string{"Action"}, false},
		{"adventure|adventures|adventurous", []string{"Adventure"}, false},
		{"animation|animations|animated|cartoon|cartoons|anime|pixar", []string{"Animation"}, false},
		{"children|childrens|children s|kids|kid|kiddie|for kids|child|family friendly", []string{"Children's"}, false},
		{"family", []string{"Children's"}, true},
		{"comedy|comedies|comedic|funny|hilarious|humor|humour|humorous|laugh|laughs", []string{"Comedy"}, false},
		{"rom com|romcom|romcoms|rom coms|romantic comedy|romantic comedies", []string{"Comedy", "Romance"}, false},
		{"crime|crimes|gangster|gangsters|mafia|mob|heist|heists", []string{"Crime"}, false},
		{"documentary|documentaries|docu|docs|documentaries", []string{"Documentary"}, false},
		{"drama|dramas|dramatic", []string{"Drama"}, false},
		{"fantasy|fantasies|fantastical|magic|magical|wizards|dragons", []string{"Fantasy"}, false},
		{"film noir|noir|noirs|films noir", []string{"Film-Noir"}, false},
		{"horror|horrors|scary|scariest|frightening|creepy|spooky|slasher|slashers|terrifying", []string{"Horror"}, false},
		{"musical|musicals|singing", []string{"Musical"}, false},
		{"mystery|mysteries|whodunit|whodunnit|detective|detectives", []string{"Mystery"}, false},
		{"romance|romances|romantic|love story|love stories", []string{"Romance"}, false},
		{"sci fi|scifi|sci fis|science fiction|sf|syfy", []string{"Sci-Fi"}, false},
		{"space|aliens|alien|robots|robot|futuristic", []string{"Sci-Fi"}, true},
		{"thriller|thrillers|suspense|suspenseful|thrilling", []string{"Thriller"}, false},
		{"war|wartime", []string{"War"}, false},
		{"western|westerns|cowboy|cowboys", []string{"Western"}, false},
		{"imax", []string{"IMAX"}, false},
	}
	m := map[string][]genrePhrase{}
	for _, e := range entries {
		for _, p := range strings.Split(e.phrases, "|") {
			w := strings.Fields(p)
			m[w[0]] = append(m[w[0]], genrePhrase{words: w, genres: e.genres, soft: e.soft})
		}
	}
	for k, ps := range m {
		// Longest first; stable on ties by construction order.
		for i := 1; i < len(ps); i++ {
			for j := i; j > 0 && len(ps[j].words) > len(ps[j-1].words); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
		m[k] = ps
	}
	return m
}

// matchGenre returns the genre phrase starting at toks[i], if any.
func matchGenre(toks []string, i int) (genrePhrase, bool) {
	for _, p := range genrePhrases[toks[i]] {
		if i+len(p.words) > len(toks) {
			continue
		}
		ok := true
		for k, w := range p.words {
			if toks[i+k] != w {
				ok = false
				break
			}
		}
		if ok {
			return p, true
		}
	}
	return genrePhrase{}, false
}

// decadeWords maps spelled-out decades to their first year.
var decadeWords = map[string]int32{
	"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
	"seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000, "aughts": 2000,
}

// parseYear reads a plausible release year.
func parseYear(w string) (int32, bool) {
	if len(w) != 4 || !isNumber(w) {
		return 0, false
	}
	y, _ := strconv.Atoi(w)
	if y < 1870 || y > 2039 {
		return 0, false
	}
	return int32(y), true
}

// parseDecade reads "90s", "1990s" or "nineties" as the decade's first year.
func parseDecade(w string) (int32, bool) {
	if y, ok := decadeWords[w]; ok {
		return y, true
	}
	if !strings.HasSuffix(w, "s") {
		return 0, false
	}
	d := w[:len(w)-1]
	if !isNumber(d) || d[len(d)-1] != '0' {
		return 0, false
	}
	switch len(d) {
	case 2:
		n, _ := strconv.Atoi(d)
		if n <= 10 {
			return int32(2000 + n), true
		}
		return int32(1900 + n), true
	case 4:
		if y, ok := parseYear(d); ok {
			return y, true
		}
	}
	return 0, false
}

// timeSpan reads a year or decade at toks[i] (skipping a leading "the").
// It returns the span's first and last year and the tokens consumed.
func timeSpan(toks []string, i int) (lo, hi int32, n int, ok bool) {
	j := i
	if j < len(toks) && toks[j] == "the" {
		j++
	}
	if j >= len(toks) {
		return 0, 0, 0, false
	}
	if y, ok := parseDecade(toks[j]); ok {
		return y, y + 9, j - i + 1, true
	}
	if y, ok := parseYear(toks[j]); ok {
		return y, y, j - i + 1, true
	}
	return 0, 0, 0, false
}

var (
	beforeWords = map[string]bool{"before": true, "pre": true, "until": true, "prior": true, "older": true, "earlier": true}
	afterWords  = map[string]bool{"after": true, "post": true, "since": true, "newer": true, "later": true}
	inWords     = map[string]bool{"from": true, "in": true, "of": true, "during": true, "circa": true}
	negWords    = map[string]bool{"not": true, "no": true, "without": true, "non": true, "except": true, "nothing": true, "excluding": true, "minus": true}
	likeFillers = map[string]bool{"movies": true, "movie": true, "films": true, "film": true, "something": true, "anything": true,
		"more": true, "stuff": true, "things": true, "show": true, "me": true, "find": true, "some": true, "titles": true, "a": true}
)

// ParseQuery reads constraints out of a free-text query: genres and their
// synonyms, years and decades, "like <title>", and negated genres. Rules
// match whole words only. The rest of the words are the text query.
// ParseQuery never fails: odd input yields a Query whose Notes say why it is
// empty.
func ParseQuery(raw string) Query {
	var q Query
	if len(raw) > MaxQueryBytes {
		cut := MaxQueryBytes
		for cut > 0 && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		raw = raw[:cut]
		q.Notes = append(q.Notes, fmt.Sprintf("query cut to its first %d bytes", cut))
	}
	q.Raw = raw
	toks := Tokens(raw)
	if len(toks) == 0 {
		q.Notes = append(q.Notes, "empty query: type a title, a genre, an era or \"like <title>\"")
		return q
	}
	// "like X" / "similar to X": the words after are a title.
	likeAt, likeLen := -1, 0
	for i, t := range toks {
		onlyFillers := true
		for _, p := range toks[:i] {
			if !likeFillers[p] && !isConstraintWord(p) {
				onlyFillers = false
				break
			}
		}
		if !onlyFillers {
			break
		}
		if t == "like" && i+1 < len(toks) {
			likeAt, likeLen = i, 1
			break
		}
		if (t == "similar" || t == "resembling") && i+1 < len(toks) {
			likeAt, likeLen = i, 1
			if toks[i+1] == "to" {
				likeLen = 2
			}
			break
		}
	}
	head := toks
	var tail []string
	if likeAt >= 0 && likeAt+likeLen < len(toks) {
		title := toks[likeAt+likeLen:]
		// "like Fargo but not horror": constraints after "but".
		for k, t := range title {
			if t == "but" && k > 0 {
				tail = title[k+1:]
				title = title[:k]
				break
			}
		}
		q.Like = strings.Join(title, " ")
		q.Filters = append(q.Filters, Filter{Kind: "like", Value: q.Like, Source: strings.Join(toks[likeAt:likeAt+likeLen], " ") + " " + q.Like})
		head = toks[:likeAt]
	}
	var other, genreWords, stops []string
	var hintYears []string
	parse := func(toks []string) {
		for i := 0; i < len(toks); {
			t := toks[i]
			if negWords[t] {
				j := i + 1
				for j < len(toks) && (toks[j] == "too" || toks[j] == "any" || toks[j] == "a" || toks[j] == "so") {
					j++
				}
				if j < len(toks) {
					if p, ok := matchGenre(toks, j); ok {
						src := strings.Join(toks[i:j+len(p.words)], " ")
						for _, g := range p.genres {
							q.ExcludeGenres = appendUnique(q.ExcludeGenres, g)
							q.Filters = append(q.Filters, Filter{Kind: "exclude_genre", Value: g, Source: src})
						}
						i = j + len(p.words)
						continue
					}
				}
			}
			if beforeWords[t] || afterWords[t] || inWords[t] || t == "between" {
				j := i + 1
				if j < len(toks) && (toks[j] == "than" || toks[j] == "to") {
					j++
				}
				if lo, hi, n, ok := timeSpan(toks, j); ok {
					end := j + n
					switch {
					case beforeWords[t]:
						q.setYears(0, lo-1, strings.Join(toks[i:end], " "))
					case afterWords[t]:
						if t == "since" {
							q.setYears(lo, 0, strings.Join(toks[i:end], " "))
						} else {
							q.setYears(hi+1, 0, strings.Join(toks[i:end], " "))
						}
					case t == "between":
						if end+1 < len(toks) && (toks[end] == "and" || toks[end] == "to") {
							if _, hi2, n2, ok := timeSpan(toks, end+1); ok {
								e2 := end + 1 + n2
								q.setYears(lo, hi2, strings.Join(toks[i:e2], " "))
								i = e2
								continue
							}
						}
						q.setYears(lo, hi, strings.Join(toks[i:end], " "))
					default:
						q.setYears(lo, hi, strings.Join(toks[i:end], " "))
					}
					i = end
					continue
				}
			}
			if t == "the" && i+1 < len(toks) {
				if y, ok := parseDecade(toks[i+1]); ok {
					q.setYears(y, y+9, strings.Join(toks[i:i+2], " "))
					i += 2
					continue
				}
			}
			if y, ok := parseDecade(t); ok {
				q.setYears(y, y+9, t)
				i++
				continue
			}
			if p, ok := matchGenre(toks, i); ok {
				src := strings.Join(toks[i:i+len(p.words)], " ")
				for _, g := range p.genres {
					if !contains(q.Genres, g) {
						q.Genres = append(q.Genres, g)
						q.Filters = append(q.Filters, Filter{Kind: "genre", Value: g, Source: src})
					}
				}
				if p.soft {
					other = append(other, p.words...)
				} else {
					genreWords = append(genreWords, p.words...)
				}
				i += len(p.words)
				continue
			}
			if _, ok := parseYear(t); ok {
				hintYears = append(hintYears, t)
				i++
				continue
			}
			if stopWords[t] {
				stops = append(stops, t)
			} else {
				other = append(other, t)
			}
			i++
		}
	}
	parse(head)
	parse(tail)
	q.GenresOnly = len(other) == 0 && q.Like == ""
	if q.GenresOnly {
		// "1995 comedies": a bare year is a filter when nothing else is asked.
		for _, w := range hintYears {
			y, _ := parseYear(w)
			q.setYears(y, y, w)
		}
		if len(hintYears) == 0 && len(q.Genres) == 0 && q.YearMin == 0 && q.YearMax == 0 && len(q.ExcludeGenres) == 0 {
			// Only stop words ("the", "a movie"): search them as a title.
			q.Terms = stops
			q.GenresOnly = false
			q.Notes = append(q.Notes, "only common words: searched as a title")
		}
	} else {
		q.Terms = other
		// Genre words and years are text too when the query has other
		// words: "star war" is a title, not a war movie.
		if len(other) > 0 {
			q.Terms = append(q.Terms, genreWords...)
			q.Terms = append(q.Terms, hintYears...)
		}
		if len(hintYears) > 0 {
			y, _ := parseYear(hintYears[0])
			q.YearHint = y
			q.Filters = append(q.Filters, Filter{Kind: "year", Value: hintYears[0], Source: hintYears[0]})
		}
	}
	q.Terms = dedupe(q.Terms)
	if len(q.Terms) > MaxTerms {
		q.Terms = q.Terms[:MaxTerms]
		q.Notes = append(q.Notes, fmt.Sprintf("only the first %d distinct words were searched", MaxTerms))
	}
	if q.YearMin != 0 && q.YearMax != 0 && q.YearMin > q.YearMax {
		q.Notes = append(q.Notes, fmt.Sprintf("no year can be both after %d and before %d", q.YearMin-1, q.YearMax+1))
	}
	for _, g := range q.ExcludeGenres {
		if contains(q.Genres, g) {
			q.Notes = append(q.Notes, "genre "+g+" is both asked for and excluded: excluded wins")
		}
	}
	return q
}

// isConstraintWord reports whether w may precede "like" as part of a
// constraint ("90s movies like Fargo", "funny movies like ...").
func isConstraintWord(w string) bool {
	if _, ok := genrePhrases[w]; ok {
		return true
	}
	if _, ok := parseDecade(w); ok {
		return true
	}
	return w == "the"
}

// setYears narrows the year range and records the filter.
func (q *Query) setYears(lo, hi int32, src string) {
	if lo != 0 && (q.YearMin == 0 || lo > q.YearMin) {
		q.YearMin = lo
	}
	if hi != 0 && (q.YearMax == 0 || hi < q.YearMax) {
		q.YearMax = hi
	}
	q.Filters = append(q.Filters, Filter{Kind: "years", Value: yearRange(lo, hi), Source: src})
}

// yearRange formats an inclusive year range with open ends.
func yearRange(lo, hi int32) string {
	s := ""
	if lo != 0 {
		s = strconv.Itoa(int(lo))
	}
	if lo != 0 && lo == hi {
		return s
	}
	s += "-"
	if hi != 0 {
		s += strconv.Itoa(int(hi))
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// dedupe drops repeated words, keeping the first of each.
func dedupe(xs []string) []string {
	out := xs[:0:0]
	for _, x := range xs {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func appendUnique(xs []string, x string) []string {
	if contains(xs, x) {
		return xs
	}
	return append(xs, x)
}
