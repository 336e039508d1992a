package search

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// Judged query types.
const (
	TypeKnownItem     = "known_item"
	TypeKnownItemTypo = "known_item_typo"
	TypeGenreEra      = "genre_era"
	TypeTheme         = "theme"
	TypeLike          = "like"
)

// Judgement is a movie's graded relevance to a query (higher is better; a
// movie not listed has grade 0).
type Judgement struct {
	// MovieID is the raw movie id; Grade its relevance (1 or 2).
	MovieID int32 `json:"movie_id"`
	Grade   int   `json:"grade"`
}

// JudgedQuery is one query of the judged set with its relevant movies.
type JudgedQuery struct {
	// ID names the query ("typo-014"); Type is one of the Type constants.
	ID   string `json:"id"`
	Type string `json:"type"`
	// Query is the text as a person would type it.
	Query string `json:"query"`
	// Relevant are the judged movies; any other movie has grade 0.
	Relevant []Judgement `json:"relevant"`
}

// knownItem reports whether a query type is scored by MRR.
func knownItem(typ string) bool { return typ == TypeKnownItem || typ == TypeKnownItemTypo }

// ReadQueries reads a judged query set (JSON lines).
func ReadQueries(path string) ([]JudgedQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read judged queries: %w", err)
	}
	defer f.Close()
	qs, err := DecodeQueries(f)
	if err != nil {
		return nil, fmt.Errorf("read judged queries %s: %w", path, err)
	}
	return qs, nil
}

// DecodeQueries decodes JSON-lines judged queries.
func DecodeQueries(r io.Reader) ([]JudgedQuery, error) {
	var qs []JudgedQuery
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var q JudgedQuery
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		qs = append(qs, q)
	}
	return qs, sc.Err()
}

// EncodeQueries writes judged queries as JSON lines.
func EncodeQueries(w io.Writer, qs []JudgedQuery) error {
	enc := json.NewEncoder(w)
	for _, q := range qs {
		if err := enc.Encode(q); err != nil {
			return err
		}
	}
	return nil
}

// ReportRow is the metrics of one query type under one mode.
type ReportRow struct {
	// Type is a query type, or "non_title" for all but known-item queries.
	Type string `json:"type"`
	// Mode is the retrievers evaluated; Queries the number of queries.
	Mode    Mode `json:"mode"`
	Queries int  `json:"queries"`
	// MRR is the mean reciprocal rank of the first relevant movie (rank
	// cut at 100; 0 beyond).
	MRR float64 `json:"mrr"`
	// NDCG10 uses graded gains 2^grade-1 and the ideal order of all judged
	// movies.
	NDCG10 float64 `json:"ndcg@10"`
	// P10 is the share of the top 10 with grade >= 1.
	P10 float64 `json:"precision@10"`
}

// Report is a judged-set evaluation.
type Report struct {
	// Rows are ordered by mode, then query type.
	Rows []ReportRow `json:"rows"`
}

// evalDepth is how many results each query retrieves for scoring.
const evalDepth = 100

// Evaluate runs every judged query under each mode (all three when modes is
// empty) and reports MRR, nDCG@10 and precision@10 per query type and mode,
// plus an "all non-title" row per mode.
func Evaluate(ctx context.Context, ix *Index, queries []JudgedQuery, modes ...Mode) (Report, error) {
	if len(modes) == 0 {
		modes = []Mode{ModeLexical, ModeDense, ModeFused}
	}
	var types []string
	seen := map[string]bool{}
	for _, q := range queries {
		if !seen[q.Type] {
			seen[q.Type] = true
			types = append(types, q.Type)
		}
	}
	sort.Strings(types)
	var rep Report
	for _, mode := range modes {
		sums := map[string]*ReportRow{}
		for _, t := range append(types, "non_title") {
			sums[t] = &ReportRow{Type: t, Mode: mode}
		}
		for _, q := range queries {
			res, err := ix.Search(ctx, q.Query, Options{K: evalDepth, Mode: mode})
			if err != nil {
				return Report{}, fmt.Errorf("evaluate %s %q: %w", q.ID, q.Query, err)
			}
			ids := make([]int32, len(res.Hits))
			for i, h := range res.Hits {
				ids[i] = h.MovieID
			}
			mrr, ndcg, p := Metrics(ids, q.Relevant)
			rows := []*ReportRow{sums[q.Type]}
			if !knownItem(q.Type) {
				rows = append(rows, sums["non_title"])
			}
			for _, r := range rows {
				r.Queries++
				r.MRR += mrr
				r.NDCG10 += ndcg
				r.P10 += p
			}
		}
		for _, t := range append(types, "non_title") {
			r := sums[t]
			if r.Queries == 0 {
				continue
			}
			n := float64(r.Queries)
			r.MRR, r.NDCG10, r.P10 = r.MRR/n, r.NDCG10/n, r.P10/n
			rep.Rows = append(rep.Rows, *r)
		}
	}
	return rep, nil
}

// Metrics scores one ranked list against judgements: reciprocal rank of
// the first relevant movie, nDCG@10 (gain 2^grade-1) and precision@10.
func Metrics(ranked []int32, rel []Judgement) (rr, ndcg10, p10 float64) {
	grade := make(map[int32]int, len(rel))
	var ideal []int
	for _, j := range rel {
		if j.Grade > 0 {
			grade[j.MovieID] = j.Grade
			ideal = append(ideal, j.Grade)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	var dcg, idcg float64
	for i, id := range ranked {
		g := grade[id]
		if g > 0 && rr == 0 {
			rr = 1 / float64(i+1)
		}
		if i < 10 {
			dcg += (math.Exp2(float64(g)) - 1) / math.Log2(float64(i+2))
			if g > 0 {
				p10++
			}
		}
	}
	for i := 0; i < len(ideal) && i < 10; i++ {
		idcg += (math.Exp2(float64(ideal[i])) - 1) / math.Log2(float64(i+2))
	}
	if idcg > 0 {
		ndcg10 = dcg / idcg
	}
	return rr, ndcg10, p10 / 10
}

// WriteJSON writes the report as indented JSON (for metrics/).
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write search report: %w", err)
	}
	return nil
}

// Markdown formats the report as a table: one row per query type, one
// column group per mode.
func (r Report) Markdown() string {
	var modes []Mode
	var types []string
	cell := map[string]ReportRow{}
	for _, row := range r.Rows {
		if !containsMode(modes, row.Mode) {
			modes = append(modes, row.Mode)
		}
		if !contains(types, row.Type) {
			types = append(types, row.Type)
		}
		cell[row.Type+"/"+string(row.Mode)] = row
	}
	var b strings.Builder
	b.WriteString("| query type | n | metric |")
	for _, m := range modes {
		b.WriteString(" " + string(m) + " |")
	}
	b.WriteString("\n|---|---:|---|")
	for range modes {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, t := range types {
		metrics := []string{"nDCG@10", "P@10"}
		if knownItem(t) {
			metrics = []string{"MRR"}
		}
		for _, name := range metrics {
			n := 0
			for _, m := range modes {
				n = max(n, cell[t+"/"+string(m)].Queries)
			}
			fmt.Fprintf(&b, "| %s | %d | %s |", t, n, name)
			for _, m := range modes {
				c := cell[t+"/"+string(m)]
				v := c.NDCG10
				switch name {
				case "MRR":
					v = c.MRR
				case "P@10":
					v = c.P10
				}
				fmt.Fprintf(&b, " %.3f |", v)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func containsMode(ms []Mode, m Mode) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}
