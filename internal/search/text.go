package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldTable maps letters with diacritics (Latin-1 Supplement and Latin
// Extended-A, the ones MovieLens titles use) to their ASCII base letters.
// It is read-only after package initialisation.
var foldTable = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'ĉ': "c", 'ċ': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ĕ': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ĝ': "g", 'ğ': "g", 'ġ': "g", 'ģ': "g", 'ĥ': "h", 'ħ': "h",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ĩ': "i", 'ī': "i", 'ĭ': "i", 'į': "i", 'ı': "i",
	'ĵ': "j", 'ķ': "k", 'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ŀ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ŏ': "o", 'ő': "o", 'œ': "oe",
	'ŕ': "r", 'ŗ': "r", 'ř': "r", 'ś': "s", 'ŝ': "s", 'ş': "s", 'š': "s", 'ß': "ss",
	'ţ': "t", 'ť': "t", 'ŧ': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ũ': "u", 'ū': "u", 'ŭ': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ŵ': "w", 'ý': "y", 'ÿ': "y", 'ŷ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}

// Fold lower-cases s and strips diacritics, so "Misérables" and
// "miserables" compare equal.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isApostrophe reports whether r joins the two halves of a word ("don't",
// "Schindler's").
func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '`' }

// Tokens splits s into folded words: runs of letters and digits. Apostrophes
// inside a word are dropped ("children's" -> "childrens"), as are the dots
// of an acronym ("A.I." -> "ai"); every other character separates words. Tokens therefore always fall on word
// boundaries: "rain" is one token and never contains the token "ai".
func Tokens(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	acronym := false // cur is single letters joined across dots ("A.I.")
	for i, r := range s {
		if r == '.' && cur.Len() > 0 && (cur.Len() == 1 || acronym) && i+1 < len(s) {
			next, n := utf8.DecodeRuneInString(s[i+1:])
			after, _ := utf8.DecodeRuneInString(s[i+1+n:])
			if unicode.IsLetter(next) && (i+1+n >= len(s) || !(unicode.IsLetter(after) || unicode.IsDigit(after))) {
				acronym = true
				continue
			}
		}
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			acronym = false
		}
		if r == utf8.RuneError {
			flush()
			continue
		}
		if isApostrophe(r) {
			// Inside a word the apostrophe is dropped; elsewhere it separates.
			// French elision ("L'Avventura", "d'Amour") splits instead.
			if c := cur.String(); c == "l" || c == "d" {
				flush()
				continue
			}
			if cur.Len() > 0 && i+1 < len(s) {
				next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
				if unicode.IsLetter(next) || unicode.IsDigit(next) {
					continue
				}
			}
			flush()
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToLower(r)
			if f, ok := foldTable[r]; ok {
				cur.WriteString(f)
			} else {
				cur.WriteRune(r)
			}
			continue
		}
		flush()
	}
	flush()
	return out
}

// stopWords are words that carry no meaning for finding a movie. They are
// still indexed (a title may consist of them) but are dropped from queries
// that have other words.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "and": true, "or": true, "to": true, "for": true,
	"in": true, "on": true, "at": true, "by": true, "with": true, "from": true, "about": true,
	"movie": true, "movies": true, "film": true, "films": true, "flick": true, "flicks": true,
	"me": true, "some": true, "any": true, "show": true, "find": true, "i": true, "want": true,
	"watch": true, "something": true, "anything": true, "that": true, "is": true, "are": true,
	"good": true, "great": true, "best": true, "top": true, "please": true, "recommend": true,
	"stuff": true, "titles": true, "set": true,
	// Praise only asks for well-known, well-liked movies, which is the
	// default order anyway: "classic westerns" are westerns.
	"classic": true, "classics": true, "acclaimed": true, "popular": true, "famous": true, "favorite": true,
	"favourite": true, "highly": true, "rated": true, "must": true, "greatest": true,
}

// articles are the leading articles MovieLens moves to the end of a title
// ("Shawshank Redemption, The").
var articles = []string{"The", "A", "An", "Les", "La", "Le", "L'", "Il", "El", "Das", "Der", "Die", "Los", "Las", "Un", "Une"}

// DisplayTitle moves a trailing article to the front: "Shawshank
// Redemption, The" -> "The Shawshank Redemption". Other titles are returned
// unchanged.
func DisplayTitle(title string) string {
	main, rest := title, ""
	// An alternative title in parentheses follows the article:
	// "Star Maker, The (Uomo delle stelle, L')".
	if j := strings.Index(title, " ("); j >= 0 {
		main, rest = title[:j], title[j:]
	}
	i := strings.LastIndex(main, ", ")
	if i < 0 {
		return title
	}
	tail := main[i+2:]
	for _, a := range articles {
		if strings.EqualFold(tail, a) {
			sep := " "
			if strings.HasSuffix(a, "'") {
				sep = ""
			}
			return tail + sep + main[:i] + rest
		}
	}
	return title
}

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), or
// max+1 when it exceeds max. a and b are byte strings of folded words.
func editDistance(a, b string, max int) int {
	la, lb := len(a), len(b)
	if la-lb > max || lb-la > max {
		return max + 1
	}
	if la == 0 {
		return lb
	}
	if lb == 0 {
		return la
	}
	// Three rolling rows suffice for the transposition rule.
	var buf [3 * 64]int
	var prev2, prev, cur []int
	if lb+1 <= 64 {
		prev2, prev, cur = buf[0:lb+1], buf[64:64+lb+1], buf[128:128+lb+1]
	} else {
		prev2, prev, cur = make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[lb] > max {
		return max + 1
	}
	return prev[lb]
}

// maxEdits is the typo budget for a query word: none for one or two
// letters, one for 3-7 letters, two from 8.
func maxEdits(word string) int {
	switch n := len(word); {
	case n < 3:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// isNumber reports whether w consists only of ASCII digits.
func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}
