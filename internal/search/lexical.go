package search

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Field weights and BM25 constants for lexical retrieval (BM25F: a term's
// frequencies in the fields are length-normalised, weighted and summed
// before saturation).
const (
	weightTitle    = 3.0
	weightGenres   = 1.0
	weightTags     = 1.5
	weightOverview = 1.0
	bm25K1         = 1.2
	bm25B          = 0.75
	// coverWeight scales the title-coverage bonus that makes a query that
	// names a whole title rank that title first.
	coverWeight = 4.0
	// priorWeight scales the popularity prior that breaks near-ties.
	priorWeight = 0.3
)

// Field indexes a lexical field.
const (
	fieldTitle = iota
	fieldGenres
	fieldTags
	fieldOverview
	numFields
)

// fieldNames are the names reported in match reasons.
var fieldNames = [numFields]string{"title", "genres", "tags", "overview"}

var fieldWeights = [numFields]float64{weightTitle, weightGenres, weightTags, weightOverview}

// posting is a term's occurrence in one movie.
type posting struct {
	doc int32
	// tf is the BM25F pseudo-frequency: weighted, length-normalised.
	tf float32
	// fields has bit f set when the term occurs in field f.
	fields uint8
}

// lexIndex is an in-memory BM25F index over the catalogue with a character
// trigram index over its vocabulary for typo-tolerant lookup.
type lexIndex struct {
	terms    []string
	termID   map[string]int32
	postings [][]posting
	idf      []float32
	trigrams map[string][]int32
	// deletes maps every word, and every word with one letter deleted, to
	// the words it came from: a query word within one edit of a catalogue
	// word shares a key with it (symmetric deletion), even for the short
	// words trigrams miss ("wras" -> "wars").
	deletes map[string][]int32
	// titleLen is the number of distinct non-stop words in each title.
	titleLen []int32
	// exact maps a normalised title ("shawshank redemption") to movies.
	exact map[string][]int32
	// scratch recycles per-query buffers (one per concurrent search).
	scratch sync.Pool
}

// lexScratch holds a search's per-movie buffers. Marks use an epoch so the
// buffers need no clearing between searches.
type lexScratch struct {
	epoch      int32
	stamp      []int32 // epoch of the query word that last touched the movie
	seenAt     []int32 // epoch of the search that first touched the movie
	wBest      []float32
	wTitle     []float32
	titleHits  []float32
	titleWords []int32
}

func (ix *lexIndex) getScratch() *lexScratch {
	if s, ok := ix.scratch.Get().(*lexScratch); ok {
		return s
	}
	n := len(ix.titleLen)
	return &lexScratch{stamp: make([]int32, n), seenAt: make([]int32, n), wBest: make([]float32, n),
		wTitle: make([]float32, n), titleHits: make([]float32, n), titleWords: make([]int32, n)}
}

// next returns a fresh epoch, clearing the marks when the counter wraps.
func (s *lexScratch) next() int32 {
	if s.epoch == math.MaxInt32 {
		clear(s.stamp)
		clear(s.seenAt)
		s.epoch = 0
	}
	s.epoch++
	return s.epoch
}

// titleKey normalises a title or query for exact comparison: folded words
// without articles or stop words.
func titleKey(toks []string) string {
	var kept []string
	for _, t := range toks {
		if !stopWords[t] {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		kept = toks
	}
	return strings.Join(kept, " ")
}

// mainTitle is a title without its parenthesised alternative title.
func mainTitle(title string) string {
	if i := strings.Index(title, " ("); i > 0 {
		return title[:i]
	}
	return title
}

// movieFields returns a movie's words per field.
func movieFields(m *Movie) [numFields][]string {
	var f [numFields][]string
	f[fieldTitle] = Tokens(m.Title)
	for _, g := range m.Genres {
		f[fieldGenres] = append(f[fieldGenres], Tokens(g)...)
	}
	// Enrichment keywords are indexed like tags.
	for _, t := range slices.Concat(m.Tags, m.Keywords) {
		toks := Tokens(t)
		f[fieldTags] = append(f[fieldTags], toks...)
		if len(toks) >= 2 && len(toks) <= 3 {
			// A multi-word tag is also one phrase token: "dark+comedy".
			f[fieldTags] = append(f[fieldTags], strings.Join(toks, phraseSep))
		}
	}
	f[fieldOverview] = append(Tokens(m.Overview), Tokens(m.Tagline)...)
	return f
}

// newLexIndex indexes the catalogue.
func newLexIndex(movies []Movie) *lexIndex {
	ix := &lexIndex{termID: map[string]int32{}, exact: map[string][]int32{}, titleLen: make([]int32, len(movies))}
	fields := make([][numFields][]string, len(movies))
	var avg [numFields]float64
	vocab := map[string]bool{}
	for i := range movies {
		fields[i] = movieFields(&movies[i])
		for f := range numFields {
			avg[f] += float64(len(fields[i][f]))
			for _, t := range fields[i][f] {
				vocab[t] = true
			}
		}
		key := titleKey(fields[i][fieldTitle])
		ix.exact[key] = append(ix.exact[key], int32(i))
		// Coverage counts the main title's words: "Nosferatu" names
		// "Nosferatu (Nosferatu, eine Symphonie des Grauens)" completely.
		mainToks := Tokens(mainTitle(movies[i].Title))
		if mk := titleKey(mainToks); mk != key {
			ix.exact[mk] = append(ix.exact[mk], int32(i))
		}
		distinct := map[string]bool{}
		for _, t := range mainToks {
			if !stopWords[t] {
				distinct[t] = true
			}
		}
		if len(distinct) == 0 {
			for _, t := range mainToks {
				distinct[t] = true
			}
		}
		ix.titleLen[i] = int32(len(distinct))
	}
	for f := range avg {
		avg[f] = max(avg[f]/float64(max(len(movies), 1)), 1)
	}
	ix.terms = make([]string, 0, len(vocab))
	for t := range vocab {
		ix.terms = append(ix.terms, t)
	}
	sort.Strings(ix.terms)
	for i, t := range ix.terms {
		ix.termID[t] = int32(i)
	}
	ix.postings = make([][]posting, len(ix.terms))
	counts := map[int32]*[numFields]int{}
	for d := range movies {
		clear(counts)
		for f := range numFields {
			for _, t := range fields[d][f] {
				id := ix.termID[t]
				c := counts[id]
				if c == nil {
					c = new([numFields]int)
					counts[id] = c
				}
				c[f]++
			}
		}
		ids := make([]int32, 0, len(counts))
		for id := range counts {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		for _, id := range ids {
			c := counts[id]
			var tf float64
			var mask uint8
			for f := range numFields {
				if c[f] == 0 {
					continue
				}
				mask |= 1 << f
				norm := 1 - bm25B + bm25B*float64(len(fields[d][f]))/avg[f]
				tf += fieldWeights[f] * float64(c[f]) / norm
			}
			ix.postings[id] = append(ix.postings[id], posting{doc: int32(d), tf: float32(tf), fields: mask})
		}
	}
	n := float64(len(movies))
	ix.idf = make([]float32, len(ix.terms))
	ix.trigrams = map[string][]int32{}
	ix.deletes = map[string][]int32{}
	for id, t := range ix.terms {
		df := float64(len(ix.postings[id]))
		ix.idf[id] = float32(math.Log(1 + (n-df+0.5)/(df+0.5)))
		if len(t) >= 3 && !isNumber(t) {
			for _, g := range trigramsOf(t) {
				ix.trigrams[g] = append(ix.trigrams[g], int32(id))
			}
			for _, d := range deletesOf(t) {
				if l := ix.deletes[d]; len(l) == 0 || l[len(l)-1] != int32(id) {
					ix.deletes[d] = append(l, int32(id))
				}
			}
		}
	}
	return ix
}

// trigramsOf returns the distinct padded character trigrams of a word.
func trigramsOf(w string) []string {
	p := "$" + w + "$"
	seen := map[string]bool{}
	var out []string
	for i := 0; i+3 <= len(p); i++ {
		g := p[i : i+3]
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// deletesOf returns w and every string made by deleting one byte of it.
func deletesOf(w string) []string {
	out := make([]string, 0, len(w)+1)
	out = append(out, w)
	for i := range len(w) {
		out = append(out, w[:i]+w[i+1:])
	}
	return out
}

// expansion is a vocabulary term a query word matched, with a weight below
// one for inexact matches.
type expansion struct {
	term   int32
	weight float32
	// edits is the edit distance (0 exact, -1 for a prefix match).
	edits int
}

// maxExpansions bounds the inexact matches one query word may have.
const maxExpansions = 8

// expand looks a query word up: the exact term, terms within the typo
// budget, and (for the last word of the query, as typed so far) terms it
// is a prefix of.
func (ix *lexIndex) expand(w string, prefix bool) []expansion {
	var out []expansion
	exactID, hasExact := ix.termID[w]
	if hasExact {
		out = append(out, expansion{term: exactID, weight: 1})
	}
	e := maxEdits(w)
	if isNumber(w) {
		e = 0
	}
	var fuzzy []expansion
	// A word that is itself in the catalogue was probably meant: its near
	// neighbours and extensions count for less.
	base := 1.0
	if hasExact {
		base = 0.6
	}
	if e > 0 {
		grams := trigramsOf(w)
		need := max(1, len(grams)-3*e)
		hits := map[int32]int{}
		for _, g := range grams {
			for _, id := range ix.trigrams[g] {
				hits[id]++
			}
		}
		for _, k := range deletesOf(w) {
			for _, id := range ix.deletes[k] {
				hits[id] = max(hits[id], need)
			}
		}
		for id, h := range hits {
			if h < need || (hasExact && id == exactID) {
				continue
			}
			if d := editDistance(w, ix.terms[id], e); d <= e {
				fuzzy = append(fuzzy, expansion{term: id, weight: float32(base * (1 - 0.2*float64(d))), edits: d})
			}
		}
	}
	if prefix && len(w) >= 3 && !isNumber(w) {
		i := sort.SearchStrings(ix.terms, w)
		for n := 0; i < len(ix.terms) && n < maxExpansions && strings.HasPrefix(ix.terms[i], w); i++ {
			if ix.terms[i] != w {
				fuzzy = append(fuzzy, expansion{term: int32(i), weight: float32(0.6 * base), edits: -1})
				n++
			}
		}
	}
	// Best first: closer matches, then rarer words (more specific), then by id.
	sort.Slice(fuzzy, func(a, b int) bool {
		x, y := fuzzy[a], fuzzy[b]
		if x.weight != y.weight {
			return x.weight > y.weight
		}
		if ix.idf[x.term] != ix.idf[y.term] {
			return ix.idf[x.term] > ix.idf[y.term]
		}
		return x.term < y.term
	})
	seen := map[int32]bool{}
	for _, f := range fuzzy {
		if len(out) >= maxExpansions+1 {
			break
		}
		if !seen[f.term] {
			seen[f.term] = true
			out = append(out, f)
		}
	}
	return out
}

// matchedTerm is a query word found in a movie.
type matchedTerm struct {
	query, term string
	fields      uint8
	edits       int
}

// lexHits is a lexical search's outcome: the matching movies with their
// scores and title coverage (indexed by catalogue position).
type lexHits struct {
	words []string
	exps  [][]expansion
	// docs are the matching movies, in order of first match.
	docs  []int32
	score []float32
	// cover is how completely the query names each title, 0..1.
	cover []float32
	// phrases are the phrase tokens movies matched.
	phrases []phraseHit
}

// search scores every movie matching at least one query word. prior is a
// per-movie popularity prior in [0,1] added with priorWeight.
func (ix *lexIndex) search(words []string, prefixLast bool, prior []float32) *lexHits {
	n := len(ix.titleLen)
	h := &lexHits{words: words, score: make([]float32, n), cover: make([]float32, n)}
	if len(words) == 0 {
		return h
	}
	sc := ix.getScratch()
	defer ix.scratch.Put(sc)
	search := sc.next()
	var touched []int32
	for qi, w := range words {
		exps := ix.expand(w, prefixLast && qi == len(words)-1)
		h.exps = append(h.exps, exps)
		mark := sc.next()
		touched = touched[:0]
		for _, x := range exps {
			idf := ix.idf[x.term]
			for _, p := range ix.postings[x.term] {
				tf := p.tf
				s := x.weight * idf * tf * (bm25K1 + 1) / (tf + bm25K1)
				tw := float32(0)
				if p.fields&(1<<fieldTitle) != 0 {
					tw = x.weight
				}
				if sc.stamp[p.doc] != mark {
					sc.stamp[p.doc] = mark
					sc.wBest[p.doc], sc.wTitle[p.doc] = s, tw
					touched = append(touched, p.doc)
					continue
				}
				sc.wBest[p.doc] = max(sc.wBest[p.doc], s)
				sc.wTitle[p.doc] = max(sc.wTitle[p.doc], tw)
			}
		}
		for _, d := range touched {
			if sc.seenAt[d] != search {
				sc.seenAt[d] = search
				sc.titleHits[d], sc.titleWords[d] = 0, 0
				h.docs = append(h.docs, d)
			}
			h.score[d] += sc.wBest[d]
			if sc.wTitle[d] > 0 {
				sc.titleHits[d] += sc.wTitle[d]
				sc.titleWords[d]++
			}
		}
	}
	nq := float32(len(words))
	for _, d := range h.docs {
		if tw := sc.titleWords[d]; tw > 0 {
			qcov := sc.titleHits[d] / nq
			tcov := min(float32(tw)/float32(max(ix.titleLen[d], 1)), 1)
			h.cover[d] = qcov * tcov
			h.score[d] += coverWeight * h.cover[d]
		}
		if prior != nil {
			h.score[d] += priorWeight * prior[d]
		}
	}
	return h
}

// phraseSep joins the words of a phrase token.
const phraseSep = "+"

// queryPhrases returns the query's adjacent word pairs and triples (stop
// words skipped) as phrase tokens.
func queryPhrases(raw string) (phrases []string, words int) {
	var toks []string
	for _, t := range Tokens(raw) {
		if !stopWords[t] {
			toks = append(toks, t)
		}
	}
	for n := 2; n <= 3; n++ {
		for i := 0; i+n <= len(toks) && len(phrases) < MaxTerms; i++ {
			phrases = append(phrases, strings.Join(toks[i:i+n], phraseSep))
		}
	}
	return phrases, len(toks)
}

// tagCover is the coverage credited to a movie with a tag that is the
// whole query ("dark comedy"), as if the query named most of a title.
const tagCover = 0.75

// addPhrases adds the BM25 score of phrase tokens (multi-word tags such as
// "dark comedy") to the movies the words already matched; a phrase that is
// the whole query also counts as coverage.
func (ix *lexIndex) addPhrases(h *lexHits, phrases []string, queryWords int) {
	for _, p := range phrases {
		id, ok := ix.termID[p]
		if !ok {
			continue
		}
		idf := ix.idf[id]
		whole := strings.Count(p, phraseSep)+1 == queryWords
		for _, ps := range ix.postings[id] {
			if h.score[ps.doc] > 0 {
				h.score[ps.doc] += idf * ps.tf * (bm25K1 + 1) / (ps.tf + bm25K1)
				if whole && h.cover[ps.doc] < tagCover {
					h.score[ps.doc] += coverWeight * (tagCover - h.cover[ps.doc])
					h.cover[ps.doc] = tagCover
				}
				h.phrases = append(h.phrases, phraseHit{doc: ps.doc, phrase: strings.ReplaceAll(p, phraseSep, " ")})
			}
		}
	}
}

// phraseHit is a phrase token a movie matched.
type phraseHit struct {
	doc    int32
	phrase string
}

// matched lists the query words movie d matched, each by its best
// expansion present in the movie.
func (ix *lexIndex) matched(h *lexHits, d int32) []matchedTerm {
	var out []matchedTerm
	for i, exps := range h.exps {
		for _, x := range exps {
			ps := ix.postings[x.term]
			k := sort.Search(len(ps), func(k int) bool { return ps[k].doc >= d })
			if k < len(ps) && ps[k].doc == d {
				out = append(out, matchedTerm{query: h.words[i], term: ix.terms[x.term], fields: ps[k].fields, edits: x.edits})
				break
			}
		}
	}
	for _, p := range h.phrases {
		if p.doc == d {
			out = append(out, matchedTerm{query: p.phrase, term: p.phrase, fields: 1 << fieldTags})
		}
	}
	return out
}

// fieldList names the fields in a bit set.
func fieldList(bits uint8) []string {
	var out []string
	for f := range numFields {
		if bits&(1<<f) != 0 {
			out = append(out, fieldNames[f])
		}
	}
	return out
}
