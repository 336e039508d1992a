package enrich

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/movielens"
	"github.com/moviegenie/genie/internal/search"
)

func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }

func movie(id int32, title string, year int32) dataset.MovieRow {
	m := dataset.MovieRow{MovieID: id, Title: title, Genres: []string{"Drama"}}
	if year != 0 {
		m.Year = i32(year)
	}
	return m
}

func TestTitleKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Birdcage, The", []string{"birdcage"}},
		{"Misérables, Les", []string{"miserables"}},
		{"Sense and Sensibility", []string{"sense sensibility"}},
		{"Schindler's List", []string{"schindlers list"}},
		{"Seven (Se7en)", []string{"seven se7en", "seven", "se7en"}},
		{"City of Lost Children, The (Cité des enfants perdus, La)",
			[]string{"city of lost children cite des enfants perdus la", "city of lost children", "cite des enfants perdus"}},
		{"Shanghai Triad (Yao a yao yao dao waipo qiao)", []string{"shanghai triad yao a yao yao dao waipo qiao", "shanghai triad", "yao a yao yao dao waipo qiao"}},
		{"Nosferatu (a.k.a. Nosferatu, eine Symphonie des Grauens)", []string{"nosferatu aka nosferatu eine symphonie des grauens", "nosferatu", "nosferatu eine symphonie des grauens"}},
		{"Star Maker, The (Uomo delle stelle, L')", []string{"star maker uomo delle stelle l", "star maker", "uomo delle stelle"}},
		{"A", []string{"a"}},
	}
	for _, tc := range tests {
		if got := MovieTitleKeys(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("MovieTitleKeys(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for in, want := range map[string]string{"The Birdcage": "birdcage", "Les Misérables": "miserables", "L'uomo delle stelle": "uomo delle stelle",
		"Sense & Sensibility": "sense sensibility", "A.I. Artificial Intelligence": "ai artificial intelligence", "  ": ""} {
		if got := TitleKey(in); got != want {
			t.Errorf("TitleKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// ml100kMovies are ml-100k-style titles (article last, alternative titles
// in parentheses, no links).
func ml100kMovies() []dataset.MovieRow {
	return []dataset.MovieRow{
		movie(1, "Birdcage, The", 1996),
		movie(2, "Misérables, Les", 1995),
		movie(3, "City of Lost Children, The", 1995),
		movie(4, "Seven (Se7en)", 1995),
		movie(5, "Sense and Sensibility", 1995),
		movie(6, "Unknown Film", 1990),
		movie(7, "No Year", 0),
	}
}

func readTestdata(t *testing.T) []Record {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "tmdb5000_small.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Parse(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Records
}

func TestMatchByTitleAndYear(t *testing.T) {
	recs := readTestdata(t)
	// ml-100k's links carry only IMDb search URLs: no ids.
	links := []dataset.LinkRow{{MovieID: 1, IMDbURL: "http://us.imdb.com/M/title-exact?Birdcage,%20The%20(1996)"}}
	rows, cov := Match(recs, ml100kMovies(), links, MatchOptions{})
	got := map[int32]int64{}
	for _, r := range rows {
		got[r.MovieID] = *r.TMDbID
		if r.Method != MethodTitleYear {
			t.Errorf("movie %d matched by %s", r.MovieID, r.Method)
		}
	}
	want := map[int32]int64{1: 9001, 2: 9002, 3: 9003, 4: 9004, 5: 9005}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("matches %v, want %v", got, want)
	}
	if cov.DatasetHasLinks || cov.Movies != 7 || cov.Matched != 5 || cov.Unmatched != 2 || cov.ByMethod[MethodTitleYear] != 5 {
		t.Errorf("coverage %+v", cov)
	}
	if want := []string{"Unknown Film (1990) [id 6]", "No Year [id 7]"}; !reflect.DeepEqual(cov.UnmatchedSample, want) {
		t.Errorf("unmatched sample %q, want %q", cov.UnmatchedSample, want)
	}
	if cov.Filled["overview"] != 5 || cov.Filled["tagline"] != 3 || cov.Filled["keywords"] != 3 || cov.Filled["runtime"] != 4 {
		t.Errorf("filled %v", cov.Filled)
	}
	if rows[0].Text() != "Two partners pretend to be someone else\nfor one long dinner.\nCome as you are." {
		t.Errorf("text %q", rows[0].Text())
	}
}

func TestMatchYearTolerance(t *testing.T) {
	recs := []Record{
		{TMDbID: 1, Title: "Late Release", Year: 1998},
		{TMDbID: 2, Title: "Twice", Year: 2000},
		{TMDbID: 3, Title: "Twice", Year: 2002},
		{TMDbID: 4, Title: "Exact", Year: 2005},
		{TMDbID: 5, Title: "Exact", Year: 2006},
	}
	movies := []dataset.MovieRow{movie(1, "Late Release", 1997), movie(2, "Twice", 2001), movie(3, "Exact", 2005)}
	tests := []struct {
		tol       int
		matched   map[int32]string
		ambiguous int
	}{
		{0, map[int32]string{3: MethodTitleYear}, 0},
		{1, map[int32]string{1: MethodTitleNearYear, 3: MethodTitleYear}, 1},
	}
	for _, tc := range tests {
		rows, cov := Match(recs, movies, nil, MatchOptions{YearTolerance: tc.tol})
		got := map[int32]string{}
		for _, r := range rows {
			got[r.MovieID] = r.Method
		}
		if !reflect.DeepEqual(got, tc.matched) || cov.Ambiguous != tc.ambiguous {
			t.Errorf("tolerance %d: matched %v ambiguous %d, want %v and %d", tc.tol, got, cov.Ambiguous, tc.matched, tc.ambiguous)
		}
	}
}

func TestMatchByLinks(t *testing.T) {
	recs := []Record{
		{TMDbID: 862, IMDbID: 114709, Title: "Toy Friends", Year: 1995, Overview: "toys"},
		{TMDbID: 999, IMDbID: 113497, Title: "Board Game", Year: 1995, Overview: "game"},
		{TMDbID: 5, Title: "Unlinked", Year: 2001, Overview: "by title"},
		{TMDbID: 6, Title: "Wrong Id", Year: 2003, Overview: "never by title in auto mode"},
	}
	movies := []dataset.MovieRow{movie(1, "Toy Friends", 1995), movie(2, "Board Game", 1995), movie(3, "Unlinked", 2001),
		movie(4, "Wrong Id", 2003), movie(5, "Missing", 1999)}
	links := []dataset.LinkRow{
		{MovieID: 1, IMDbID: i64(114709), TMDbID: i64(862)},
		{MovieID: 2, IMDbID: i64(113497), TMDbID: i64(8844)}, // TMDB id not in the file: IMDb finds it
		{MovieID: 4, TMDbID: i64(77777)},
		{MovieID: 5, IMDbID: i64(1)},
	}
	tests := []struct {
		titles TitleMatching
		want   map[int32]string
	}{
		{TitlesAuto, map[int32]string{1: MethodTMDb, 2: MethodIMDb, 3: MethodTitleYear}},
		{TitlesAlways, map[int32]string{1: MethodTMDb, 2: MethodIMDb, 3: MethodTitleYear, 4: MethodTitleYear}},
		{TitlesNever, map[int32]string{1: MethodTMDb, 2: MethodIMDb}},
	}
	for _, tc := range tests {
		rows, cov := Match(recs, movies, links, MatchOptions{Titles: tc.titles})
		got := map[int32]string{}
		for _, r := range rows {
			got[r.MovieID] = r.Method
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.titles, got, tc.want)
		}
		if !cov.DatasetHasLinks || cov.Matched != len(tc.want) {
			t.Errorf("%s: coverage %+v", tc.titles, cov)
		}
	}
}

func TestMerge(t *testing.T) {
	meta := []Record{{TMDbID: 1, IMDbID: 10, Title: "A", Overview: "a"}, {TMDbID: 2, Title: "B"}}
	kw := []Record{{TMDbID: 2, Keywords: []string{"k"}}, {TMDbID: 1, Keywords: []string{"j"}, Overview: "ignored"}, {TMDbID: 3, Keywords: []string{"z"}}}
	got := Merge(meta, kw)
	want := []Record{
		{TMDbID: 1, IMDbID: 10, Title: "A", Overview: "a", Keywords: []string{"j"}},
		{TMDbID: 2, Title: "B", Keywords: []string{"k"}},
		{TMDbID: 3, Keywords: []string{"z"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge\n got %+v\nwant %+v", got, want)
	}
}

func TestCoverageCheck(t *testing.T) {
	_, cov := Match(readTestdata(t), ml100kMovies(), nil, MatchOptions{})
	if err := cov.Check(0.7); err != nil || !cov.Passed {
		t.Errorf("0.7: %v", err)
	}
	err := cov.Check(0.9)
	if err == nil || cov.Passed || cov.MinCoverage != 0.9 {
		t.Fatalf("0.9 passed: %v %+v", err, cov)
	}
	for _, want := range []string{"enrichment coverage 71.4% (5 of 7 movies) is below the required 90.0%", "title_year 5",
		"no links file", "Unknown Film (1990) [id 6]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	var sb strings.Builder
	cov.Summary(&sb)
	if !strings.Contains(sb.String(), "coverage: 5 of 7 movies (71.4%) by title + year") {
		t.Errorf("summary:\n%s", sb.String())
	}
}

// writeProcessed writes movies.parquet and links.parquet into a folder.
func writeProcessed(t *testing.T, movies []dataset.MovieRow, links []dataset.LinkRow) string {
	t.Helper()
	dir := t.TempDir()
	if err := dataset.WriteParquet(filepath.Join(dir, dataset.MoviesFile), movies); err != nil {
		t.Fatal(err)
	}
	if links == nil {
		links = []dataset.LinkRow{}
	}
	if err := dataset.WriteParquet(filepath.Join(dir, dataset.LinksFile), links); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunWritesTableAndReport(t *testing.T) {
	dir := writeProcessed(t, ml100kMovies(), nil)
	report := filepath.Join(dir, "reports", "enrichment.json")
	// Before enrichment Load finds nothing, without an error.
	if rows, err := Load(dir); err != nil || rows != nil {
		t.Fatalf("Load before: %v %v", rows, err)
	}
	cov, err := Run(RunOptions{Files: []string{filepath.Join("testdata", "tmdb5000_small.csv")}, Processed: dir, Report: report, MinCoverage: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if cov.Matched != 5 || !cov.Passed {
		t.Errorf("coverage %+v", cov)
	}
	rows, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0].MovieID != 1 || rows[0].Runtime == nil || *rows[0].Runtime != 117 ||
		!reflect.DeepEqual(rows[0].Keywords, []string{"drag queen", "family secret"}) || rows[1].Runtime != nil {
		t.Errorf("rows %+v", rows)
	}
	if ov := Overviews(rows); !strings.HasPrefix(ov[3], "A scientist steals") || !strings.HasSuffix(ov[3], "just a dream.") {
		t.Errorf("overview of 3: %q", ov[3])
	}
	if kw := KeywordsByMovie(rows); !reflect.DeepEqual(kw[4], []string{"serial killer"}) || kw[2] != nil {
		t.Errorf("keywords %v", kw)
	}
	var back Coverage
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Matched != 5 || back.Movies != 7 || back.MinCoverage != 0.5 || !back.Passed || back.ByMethod[MethodTMDb] != 0 {
		t.Errorf("report %s", b)
	}
	// Same input, same bytes.
	first, _ := os.ReadFile(filepath.Join(dir, File))
	if _, err := Run(RunOptions{Files: []string{filepath.Join("testdata", "tmdb5000_small.csv")}, Processed: dir}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, File))
	if string(first) != string(second) {
		t.Error("enrichment.parquet differs between two runs")
	}
}

func TestRunBelowMinCoverage(t *testing.T) {
	dir := writeProcessed(t, ml100kMovies(), nil)
	report := filepath.Join(dir, "enrichment.json")
	cov, err := Run(RunOptions{Files: []string{filepath.Join("testdata", "tmdb5000_small.csv")}, Processed: dir, Report: report, MinCoverage: 0.95})
	if err == nil || !strings.Contains(err.Error(), "below the required 95.0%") {
		t.Fatalf("error %v", err)
	}
	if cov == nil || cov.Passed {
		t.Errorf("coverage %+v", cov)
	}
	if _, err := os.Stat(report); err != nil {
		t.Errorf("report not written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, File)); !os.IsNotExist(err) {
		t.Errorf("enrichment table written despite failing coverage: %v", err)
	}
	if _, err := Run(RunOptions{Files: []string{filepath.Join("testdata", "tmdb5000_small.csv")}, Processed: dir, MinCoverage: 2}); err == nil {
		t.Error("min coverage 2 accepted")
	}
	if _, err := Run(RunOptions{Files: []string{filepath.Join(dir, "absent.csv")}, Processed: dir}); err == nil {
		t.Error("absent file accepted")
	}
}

// TestMLLatestSmallLinks fabricates a TMDB-style file from the TMDB ids of
// ml-latest-small's links.csv (invented overviews, every fifth row without a
// TMDB id but with the IMDb id, in reverse order) and checks that links
// match every linked movie.
func TestMLLatestSmallLinks(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "datasets", "ml-latest-small")
	f, err := os.Open(filepath.Join(src, "links.csv"))
	if err != nil {
		t.Skip("no ../shared/datasets/ml-latest-small")
	}
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var movies []dataset.MovieRow
	var links []dataset.LinkRow
	var out [][]string
	out = append(out, []string{"imdb_id", "overview", "id", "title", "release_date", "keywords", "runtime"})
	linked := 0
	for i, l := range lines[1:] {
		id, _ := strconv.Atoi(l[0])
		imdb, _ := strconv.ParseInt(l[1], 10, 64)
		tmdb, _ := strconv.ParseInt(l[2], 10, 64)
		movies = append(movies, movie(int32(id), "Movie "+l[0], 2000))
		link := dataset.LinkRow{MovieID: int32(id), IMDbID: i64(imdb)}
		if tmdb > 0 {
			link.TMDbID = i64(tmdb)
		}
		links = append(links, link)
		linked++
		row := []string{"tt" + l[1], "Invented overview " + l[0] + ",\nsecond line.", l[2], "Made Up " + l[0], "2000-01-01",
			`[{"id": 1, "name": "made up"}]`, "90.0"}
		if i%5 == 0 {
			row[2] = ""
		}
		out = append(out, row)
	}
	for i, j := 1, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	path := filepath.Join(t.TempDir(), "tmdb_fabricated.csv")
	g, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := csv.NewWriter(g).WriteAll(out); err != nil {
		t.Fatal(err)
	}
	g.Close()
	dir := writeProcessed(t, movies, links)
	cov, err := Run(RunOptions{Files: []string{path}, Processed: dir, MinCoverage: 0.99})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ml-latest-small: %d movies, matched %d (%.2f%%), by method %v", cov.Movies, cov.Matched, 100*cov.Coverage, cov.ByMethod)
	if cov.Movies != 9742 || cov.Matched != linked || cov.ByMethod[MethodTitleYear] != 0 || cov.ByMethod[MethodIMDb] == 0 {
		t.Errorf("coverage %+v", cov)
	}
	rows, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A few MovieLens movies share a TMDB id (listed twice by MovieLens):
	// both get the one record, so its overview names the other movie.
	own := 0
	for _, r := range rows {
		if r.Overview == "Invented overview "+strconv.Itoa(int(r.MovieID))+",\nsecond line." {
			own++
		} else if !strings.HasPrefix(r.Overview, "Invented overview ") {
			t.Fatalf("movie %d: overview %q", r.MovieID, r.Overview)
		}
	}
	if len(rows) != cov.Matched || own < len(rows)-10 {
		t.Errorf("%d rows, %d with their own overview", len(rows), own)
	}
}

// TestML100KTitles fabricates a TMDB-style file from ml-100k's own titles,
// rewritten the way TMDB writes them (article first, no alternative title
// in parentheses, some diacritics dropped, "and" as "&"), and checks that
// title + year matching finds nearly every movie of a release without links.
func TestML100KTitles(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "datasets", "ml-100k")
	ds, err := movielens.Load(context.Background(), src, movielens.LoadOptions{})
	if err != nil {
		t.Skipf("no ../shared/datasets/ml-100k: %v", err)
	}
	var movies []dataset.MovieRow
	out := [][]string{{"id", "title", "release_date", "overview"}}
	seen := map[string]bool{} // ml-100k lists a few films twice; TMDB once
	for i, m := range ds.Movies {
		movies = append(movies, movie(m.ID, m.Title, m.Year))
		if k := fmt.Sprint(m.Title, m.Year); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		title := search.DisplayTitle(m.Title)
		if j := strings.Index(title, " ("); j > 0 {
			title = title[:j]
		}
		title = strings.ReplaceAll(title, " and ", " & ")
		if i%2 == 0 {
			title = search.Fold(title)
		}
		date := ""
		if m.Year != 0 {
			date = fmt.Sprintf("%d-06-01", m.Year)
		}
		out = append(out, []string{strconv.Itoa(100000 + int(m.ID)), title, date, "Invented."})
	}
	path := filepath.Join(t.TempDir(), "tmdb.csv")
	g, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := csv.NewWriter(g).WriteAll(out); err != nil {
		t.Fatal(err)
	}
	g.Close()
	// ml-100k's "links" are IMDb search URLs without ids.
	links := []dataset.LinkRow{}
	for _, m := range ds.Movies {
		links = append(links, dataset.LinkRow{MovieID: m.ID, IMDbURL: m.IMDbURL})
	}
	dir := writeProcessed(t, movies, links)
	cov, err := Run(RunOptions{Files: []string{path}, Processed: dir, MinCoverage: 0.99})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ml-100k: %d of %d movies (%.1f%%) by title + year, %d ambiguous; unmatched e.g. %q", cov.Matched, cov.Movies,
		100*cov.Coverage, cov.Ambiguous, cov.UnmatchedSample)
	if cov.DatasetHasLinks || cov.ByMethod[MethodTitleYear] != cov.Matched {
		t.Errorf("coverage %+v", cov)
	}
}
