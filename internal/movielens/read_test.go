package movielens

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sharedDataset returns ../shared/datasets/<name> or skips the test.
func sharedDataset(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "datasets", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s not present: %v", dir, err)
	}
	return dir
}

func TestLoadRealReleases(t *testing.T) {
	tests := []struct {
		name                   string
		users, movies, ratings int
		demographics           bool
	}{
		{"ml-100k", 943, 1682, 100000, true},
		{"ml-latest-small", 610, 9742, 100836, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Load(context.Background(), sharedDataset(t, tc.name), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			users := map[int32]bool{}
			for _, r := range ds.Ratings {
				users[r.User] = true
			}
			if len(users) != tc.users || len(ds.Movies) != tc.movies || len(ds.Ratings) != tc.ratings {
				t.Errorf("got %d users, %d movies, %d ratings; want %d, %d, %d", len(users), len(ds.Movies), len(ds.Ratings), tc.users, tc.movies, tc.ratings)
			}
			if (len(ds.Users) > 0) != tc.demographics {
				t.Errorf("demographics: got %d users", len(ds.Users))
			}
			for i, r := range ds.Ratings {
				if int(r.Row) != i {
					t.Fatalf("rating %d has Row %d", i, r.Row)
				}
			}
		})
	}
}

func TestLoad100KDetails(t *testing.T) {
	ds, err := Load(context.Background(), sharedDataset(t, "ml-100k"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := ds.Ratings[0]
	if first != (Rating{User: 196, Movie: 242, Rating: 3, Timestamp: 881250949}) {
		t.Errorf("first rating %+v", first)
	}
	byID := map[int32]Movie{}
	for _, m := range ds.Movies {
		byID[m.ID] = m
	}
	if m := byID[1]; m.Title != "Toy Story" || m.Year != 1995 || strings.Join(m.Genres, "|") != "Animation|Children's|Comedy" {
		t.Errorf("movie 1 = %+v", m)
	}
	found := false
	for _, m := range ds.Movies {
		if strings.Contains(m.Title, "Misérables") {
			found = true
		}
	}
	if !found {
		t.Error("no title contains \"Misérables\": Latin-1 was not decoded")
	}
	if len(ds.Users) != 943 || ds.Users[0] != (User{ID: 1, Age: 24, Gender: "M", Occupation: "technician", Zip: "85711"}) {
		t.Errorf("users: %d, first %+v", len(ds.Users), ds.Users[0])
	}
}

func TestSplitTitle(t *testing.T) {
	tests := []struct {
		in    string
		title string
		year  int32
	}{
		{"Toy Story (1995)", "Toy Story", 1995},
		{"Misérables, Les (1995) ", "Misérables, Les", 1995},
		{"City of Lost Children, The (Cité des enfants perdus, La) (1995)", "City of Lost Children, The (Cité des enfants perdus, La)", 1995},
		{"Babylon 5", "Babylon 5", 0},
		{"Cosmos (1980-1981)", "Cosmos", 1980},
		{"Stranger Things (2016–)", "Stranger Things", 2016},
		{"unknown", "unknown", 0},
		{"(500) Days of Summer (2009)", "(500) Days of Summer", 2009},
		{"Movie (abcd)", "Movie (abcd)", 0},
		{"", "", 0},
	}
	for _, tc := range tests {
		title, year := SplitTitle(tc.in)
		if title != tc.title || year != tc.year {
			t.Errorf("SplitTitle(%q) = %q, %d; want %q, %d", tc.in, title, year, tc.title, tc.year)
		}
	}
}

// writeRelease writes files into a temp folder.
func writeRelease(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	goodItem = "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n2|GoldenEye (1995)|01-Jan-1995||http://y|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0\n"
	goodUser = "1|24|M|technician|85711\n2|53|F|other|94043\n"
)

func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // substring of the error; "" means success
	}{
		{"crlf ok", map[string]string{"u.data": "1\t1\t3\t881250949\r\n2\t2\t4\t881250950\r\n", "u.item": strings.ReplaceAll(goodItem, "\n", "\r\n"), "u.user": goodUser}, ""},
		{"non-numeric user", map[string]string{"u.data": "1\t1\t3\t1\nx\t2\t4\t2\n", "u.item": goodItem, "u.user": goodUser}, `u.data:2: field user: expected a positive integer id, found "x"`},
		{"rating out of range", map[string]string{"u.data": "1\t1\t6\t1\n", "u.item": goodItem, "u.user": goodUser}, `u.data:1: field rating: expected a whole number of stars from 1 to 5, found "6"`},
		{"too few fields", map[string]string{"u.data": "1\t1\t3\n", "u.item": goodItem, "u.user": goodUser}, "u.data:1: expected 4 fields"},
		{"bad timestamp", map[string]string{"u.data": "1\t1\t3\t-5\n", "u.item": goodItem, "u.user": goodUser}, "u.data:1: field timestamp"},
		{"duplicate pair", map[string]string{"u.data": "1\t1\t3\t1\n1\t2\t3\t1\n1\t1\t5\t9\n", "u.item": goodItem, "u.user": goodUser}, "u.data:3: duplicate rating of movie 1 by user 1 (first rated on line 1)"},
		// Duplicates are reported at file lines, past the header and blank lines.
		{"csv duplicate pair", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n\n1,2,4,1\n1,1,2,5\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n2,B (1995),Comedy\n"}, "ratings.csv:5: duplicate rating of movie 1 by user 1 (first rated on line 2)"},
		// Blank lines are skipped but counted, so later errors keep their line.
		{"error after blank lines", map[string]string{"u.data": "1\t1\t3\t1\n\n  \r\nx\t2\t4\t2\n", "u.item": goodItem, "u.user": goodUser}, `u.data:4: field user: expected a positive integer id, found "x"`},
		{"only blank lines", map[string]string{"u.data": "\xef\xbb\xbf\n\r\n\n", "u.item": goodItem, "u.user": goodUser}, "read u.data: file is empty"},
		{"csv header after blank lines", map[string]string{"ratings.csv": "\n\nuser,movie\n", "movies.csv": "movieId,title,genres\n"}, `ratings.csv:3: expected header "userId,movieId,rating,timestamp", found "user,movie"`},
		{"duplicate movie u.item", map[string]string{"u.data": "1\t1\t3\t1\n", "u.item": goodItem + strings.SplitAfter(goodItem, "\n")[0], "u.user": goodUser}, "u.item:3: movie id 1 is listed twice (first at line 1)"},
		{"duplicate user u.user", map[string]string{"u.data": "1\t1\t3\t1\n", "u.item": goodItem, "u.user": goodUser + "\n2|30|M|writer|1\n"}, "u.user:4: user id 2 is listed twice (first at line 2)"},
		{"duplicate movie csv", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n2,B (1995),Comedy\n1,\"A, The (1995)\",Drama\n"}, "movies.csv:4: movie id 1 is listed twice (first at line 2)"},
		{"duplicate movie dat", map[string]string{"ratings.dat": "1::1::5::978300760\n", "movies.dat": "1::A (1995)::Comedy\n\n1::B (1995)::Comedy\n"}, "movies.dat:3: movie id 1 is listed twice (first at line 1)"},
		{"duplicate user dat", map[string]string{"ratings.dat": "1::1::5::978300760\n", "movies.dat": "1::A (1995)::Comedy\n", "users.dat": "1::F::1::10::48067\n1::M::25::3::1\n"}, "users.dat:2: user id 1 is listed twice (first at line 1)"},
		// A quote never closed: the error is at the line the record starts on.
		{"csv unclosed quote", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n2,\"B (1995),Comedy\n3,\"C, The (1995)\",Drama\n4,D (1995),Drama\n"},
			`movies.csv:3: expected valid CSV, found extraneous or missing " in quoted-field on line 4, column 3 (the record starts on line 3: is a quote never closed?)`},
		{"csv bare quote", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movies.csv": "movieId,title,genres\n1,A \"x\" (1995),Comedy\n"}, `movies.csv:2: expected valid CSV, found bare " in non-quoted-field at column 5`},
		{"empty ratings", map[string]string{"u.data": "", "u.item": goodItem, "u.user": goodUser}, "read u.data: file is empty"},
		{"bad genre flag", map[string]string{"u.data": "1\t1\t3\t1\n", "u.item": strings.Replace(goodItem, "|1|1|1|", "|1|7|1|", 1), "u.user": goodUser}, "u.item:1: field genre Children's: expected 0 or 1"},
		{"bad gender", map[string]string{"u.data": "1\t1\t3\t1\n", "u.item": goodItem, "u.user": "1|24|X|a|1\n"}, "u.user:1: field gender"},
		{"csv half star", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movies.csv": "movieId,title,genres\n1,\"Toy Story, The (1995)\",Comedy\n"}, ""},
		{"csv bad star", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n1,2,3.7,1\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n"}, `ratings.csv:3: field rating: expected a number of stars from 0.5 to 5 in steps of 0.5, found "3.7"`},
		{"csv wrong header", map[string]string{"ratings.csv": "user,movie,rating,ts\n", "movies.csv": "movieId,title,genres\n"}, `ratings.csv:1: expected header "userId,movieId,rating,timestamp"`},
		{"csv unknown genre", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy|Cooking\n"}, `movies.csv:2: field genres: expected MovieLens genre names separated by |, found "Cooking"`},
		{"dat ok", map[string]string{"ratings.dat": "1::1::5::978300760\n", "movies.dat": "1::Toy Story (1995)::Animation|Children's|Comedy\n", "users.dat": "1::F::1::10::48067\n"}, ""},
		{"dat bad occupation", map[string]string{"ratings.dat": "1::1::5::978300760\n", "movies.dat": "1::Toy Story (1995)::Comedy\n", "users.dat": "1::F::1::99::48067\n"}, "users.dat:1: field occupation"},
		{"not a release", map[string]string{"movies.dat": "1::A (1995)::Comedy\n"}, "ratings.dat is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), writeRelease(t, tc.files), LoadOptions{})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v; want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSkipBadLines(t *testing.T) {
	dir := writeRelease(t, map[string]string{
		"u.data": "1\t1\t3\t1\nx\t2\t4\t2\n1\t2\t9\t3\n2\t1\t4\t4\n1\t1\t2\t5\n",
		"u.item": goodItem, "u.user": goodUser,
	})
	ds, err := Load(context.Background(), dir, LoadOptions{OnBadLine: Skip})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Ratings) != 2 || ds.Skipped["u.data"] != 3 {
		t.Fatalf("kept %d ratings, skipped %v; want 2 kept, 3 skipped", len(ds.Ratings), ds.Skipped)
	}
	if !strings.Contains(ds.FirstSkipped["u.data"], "u.data:2: field user") {
		t.Errorf("first skipped = %q", ds.FirstSkipped["u.data"])
	}
	for i, r := range ds.Ratings {
		if int(r.Row) != i {
			t.Errorf("row %d numbered %d", i, r.Row)
		}
	}
}

// TestBlankLinesAndBOM loads releases whose files start with a UTF-8 BOM
// and hold blank lines (empty, spaces, CRLF) anywhere: every reader skips
// the blank lines and drops the BOM.
func TestBlankLinesAndBOM(t *testing.T) {
	const mark = "\xef\xbb\xbf" // a UTF-8 BOM
	tests := []struct {
		name                   string
		files                  map[string]string
		ratings, movies, users int
		firstUser, firstMovie  int32
	}{
		{"100k trailing blank line", map[string]string{"u.data": "1\t1\t3\t1\n2\t2\t4\t2\n\n", "u.item": goodItem + "\n", "u.user": goodUser + "\n"}, 2, 2, 2, 1, 1},
		{"100k interior blank lines", map[string]string{"u.data": "1\t1\t3\t1\n\n \t\n\r\n2\t2\t4\t2\n", "u.item": strings.Replace(goodItem, "\n", "\n\n", 1), "u.user": "\n" + goodUser}, 2, 2, 2, 1, 1},
		{"100k BOM", map[string]string{"u.data": mark + "196\t1\t3\t1\n", "u.item": mark + goodItem, "u.user": mark + "196|24|M|technician|85711\n"}, 1, 2, 1, 196, 1},
		{"csv trailing blank line", map[string]string{"ratings.csv": "userId,movieId,rating,timestamp\n1,1,3.5,1\n\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n\n", "tags.csv": "userId,movieId,tag,timestamp\n1,1,funny,1\n\n", "links.csv": "movieId,imdbId,tmdbId\n1,114709,862\n\n"}, 1, 1, 0, 1, 1},
		{"csv BOM and blank lines", map[string]string{"ratings.csv": mark + "\nuserId,movieId,rating,timestamp\r\n\r\n1,1,3.5,1\r\n  \r\n", "movies.csv": mark + "\nmovieId,title,genres\n  \n1,A (1995),Comedy\n", "tags.csv": mark + "userId,movieId,tag,timestamp\n1,1,funny,1\n", "links.csv": mark + "movieId,imdbId,tmdbId\n1,114709,862\n"}, 1, 1, 0, 1, 1},
		{"dat BOM and blank lines", map[string]string{"ratings.dat": mark + "7::1::5::978300760\n\n", "movies.dat": mark + "1::Toy Story (1995)::Comedy\n\n", "users.dat": mark + "7::F::1::10::48067\n\n"}, 1, 1, 1, 7, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []BadLinePolicy{Fail, Skip} {
				ds, err := Load(context.Background(), writeRelease(t, tc.files), LoadOptions{OnBadLine: p})
				if err != nil {
					t.Fatalf("policy %d: %v", p, err)
				}
				if len(ds.Ratings) != tc.ratings || len(ds.Movies) != tc.movies || len(ds.Users) != tc.users {
					t.Fatalf("policy %d: %d ratings, %d movies, %d users; want %d, %d, %d", p, len(ds.Ratings), len(ds.Movies), len(ds.Users), tc.ratings, tc.movies, tc.users)
				}
				if ds.Ratings[0].User != tc.firstUser || ds.Movies[0].ID != tc.firstMovie {
					t.Errorf("policy %d: first rating %+v, first movie %+v", p, ds.Ratings[0], ds.Movies[0])
				}
				if len(ds.Users) > 0 && ds.Users[0].ID != tc.firstUser {
					t.Errorf("policy %d: first user %+v", p, ds.Users[0])
				}
				if len(ds.Skipped) != 0 {
					t.Errorf("policy %d: blank lines counted as bad: %v", p, ds.Skipped)
				}
			}
		})
	}
}

// TestSkipCounts checks what Skip counts and keeps: a quote never closed
// counts every line it swallowed, a repeated id keeps the first listing,
// a repeated rating is reported at its file lines.
func TestSkipCounts(t *testing.T) {
	const ratingsCSV = "userId,movieId,rating,timestamp\n1,1,3.5,1\n1,4,3,1\n"
	tests := []struct {
		name    string
		files   map[string]string
		file    string // the file with skipped lines
		skipped int
		first   string // FirstSkipped[file]
		movies  []int32
	}{
		{"unclosed quote", map[string]string{"ratings.csv": ratingsCSV, "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n2,\"B (1995),Comedy\n3,\"C, The (1995)\",Drama\n4,D (1995),Drama\n"},
			"movies.csv", 2, `movies.csv:3: expected valid CSV, found extraneous or missing " in quoted-field on line 4, column 3 (the record starts on line 3: is a quote never closed?)`, []int32{1, 4}},
		{"unclosed quote to the end", map[string]string{"ratings.csv": ratingsCSV, "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n4,D (1995),Drama\n2,\"B (1995),Comedy\n3,C (1995),Drama\n5,E (1995),Drama\n"},
			"movies.csv", 3, `movies.csv:4: expected valid CSV`, []int32{1, 4}},
		{"repeated movie id", map[string]string{"ratings.csv": ratingsCSV, "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n4,D (1995),Drama\n1,B (1995),Drama\n"},
			"movies.csv", 1, "movies.csv:4: movie id 1 is listed twice (first at line 2)", []int32{1, 4}},
		{"repeated rating", map[string]string{"ratings.csv": ratingsCSV + "x,1,3,1\n\n1,1,2,5\n", "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n4,D (1995),Drama\n"},
			"ratings.csv", 2, `ratings.csv:4: field user`, []int32{1, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Load(context.Background(), writeRelease(t, tc.files), LoadOptions{OnBadLine: Skip})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Skipped[tc.file] != tc.skipped || !strings.HasPrefix(ds.FirstSkipped[tc.file], tc.first) {
				t.Errorf("skipped %v, first %q; want %d in %s, first %q", ds.Skipped, ds.FirstSkipped[tc.file], tc.skipped, tc.file, tc.first)
			}
			var ids []int32
			for _, m := range ds.Movies {
				ids = append(ids, m.ID)
			}
			if !slices.Equal(ids, tc.movies) {
				t.Errorf("movies %v, want %v", ids, tc.movies)
			}
			if ds.Movies[0].Title != "A" {
				t.Errorf("first listing not kept: %+v", ds.Movies[0])
			}
		})
	}
}

// TestRatingLinesAcrossChunks maps every rating to its file line when the
// file is parsed in several chunks with blank and skipped lines between
// ratings, and reports a repeated rating at both lines.
func TestRatingLinesAcrossChunks(t *testing.T) {
	tests := []struct {
		name   string
		policy BadLinePolicy
		bad    string // what every 1499th line holds
	}{
		{"blank lines", Fail, "  \n"},
		{"blank and bad lines", Skip, "bad line\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("userId,movieId,rating,timestamp\n")
			line := 1
			var ratingLines []int // file line of every rating
			var first, repeat int
			for i := 1; i <= 30000; i++ {
				line++
				switch {
				case i%997 == 0:
					b.WriteString("\n")
					continue
				case i%1499 == 0:
					b.WriteString(tc.bad)
					continue
				case i == 7000:
					b.WriteString("5,99999,4,1\n")
					first = line
				case i == 25000:
					b.WriteString("5,99999,2,3\n")
					repeat = line
				default:
					b.WriteString(itoa(i/50+1000) + "," + itoa(i) + ",3,1\n")
				}
				ratingLines = append(ratingLines, line)
			}
			data := []byte(b.String())
			if len(splitChunks(data, 4, minChunked)) < 2 {
				t.Fatalf("ratings file of %d bytes is parsed in one chunk", len(data))
			}
			p, err := parseRatings(context.Background(), "ratings.csv", data, syntaxCSV, tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.ratings) != len(ratingLines) {
				t.Fatalf("%d ratings, want %d", len(p.ratings), len(ratingLines))
			}
			for i, want := range ratingLines {
				if got := p.lines.line(int32(i)); got != want {
					t.Fatalf("rating %d: line %d, want %d", i, got, want)
				}
			}
			_, err = Load(context.Background(), writeRelease(t, map[string]string{"ratings.csv": b.String(), "movies.csv": "movieId,title,genres\n1,A (1995),Comedy\n"}), LoadOptions{})
			want := "ratings.csv:" + itoa(repeat) + ": duplicate rating of movie 99999 by user 5 (first rated on line " + itoa(first) + ")"
			if tc.policy == Fail && (err == nil || err.Error() != want) {
				t.Errorf("error %v, want %q", err, want)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestParseErrorIsTyped(t *testing.T) {
	dir := writeRelease(t, map[string]string{"u.data": "1\t1\t3\t1\n1\tz\t3\t1\n", "u.item": goodItem, "u.user": goodUser})
	_, err := Load(context.Background(), dir, LoadOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != "u.data" || pe.Line != 2 || pe.Field != "movie" {
		t.Fatalf("err = %#v", err)
	}
}

// FuzzRatingsLine checks that no input crashes the ratings parser and that
// accepted lines give values in range.
func FuzzRatingsLine(f *testing.F) {
	for _, s := range []string{"1\t2\t3\t4", "196\t242\t3\t881250949", "1,1,3.5,1", "1::1::5::978300760", "", "\t\t\t", "-1\t2\t3\t4", "1\t2\t3.5\t4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, syn := range []ratingSyntax{syntax100K, syntaxDat, syntaxCSV} {
			r, err := parseRatingLine([]byte(s), syn)
			if err != nil {
				continue
			}
			if r.User <= 0 || r.Movie <= 0 || r.Rating < 0.5 || r.Rating > 5 || r.Timestamp < 0 {
				t.Fatalf("accepted %q as %+v", s, r)
			}
		}
	})
}

// FuzzRatingLines checks that every rating parseRatings returns maps to
// the file line it was parsed from, whether the file is parsed whole or in
// chunks (cut here at any size).
func FuzzRatingLines(f *testing.F) {
	for _, s := range []string{"1\t2\t3\t4\n\n5\t6\t2\t1\n", "\xef\xbb\xbf\nuserId,movieId,rating,timestamp\r\n1,1,3.5,1\r\n\r\nx\n1,2,4,1", "1::1::5::1\n  \n2::2::4::2\n", ""} {
		f.Add(s, uint8(1))
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, chunks uint8) {
		fileLines := strings.Split(string(trimBOM([]byte(s))), "\n")
		for _, syn := range []ratingSyntax{syntax100K, syntaxDat, syntaxCSV} {
			p, err := parseRatingsChunked(context.Background(), "r", []byte(s), syn, Skip, int(chunks%8)+1, 0)
			if err != nil {
				continue
			}
			for i, r := range p.ratings {
				if int(r.Row) != i {
					t.Fatalf("rating %d numbered %d", i, r.Row)
				}
				n := p.lines.line(int32(i))
				if n < 1 || n > len(fileLines) {
					t.Fatalf("rating %d mapped to line %d of %d", i, n, len(fileLines))
				}
				back, perr := parseRatingLine([]byte(strings.TrimSuffix(fileLines[n-1], "\r")), syn)
				back.Row = r.Row
				if perr != nil || back != r {
					t.Fatalf("rating %d %+v mapped to line %d %q", i, r, n, fileLines[n-1])
				}
			}
		}
	})
}

// FuzzLoad checks that no ml-100k or CSV release crashes Load.
func FuzzLoad(f *testing.F) {
	f.Add("1\t1\t3\t1\n", goodItem, goodUser, "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movieId,title,genres\n1,\"A, The (1995)\",Comedy\n")
	f.Add("\xef\xbb\xbf1\t1\t3\t1\n\n \n", "\xef\xbb\xbf"+goodItem+goodItem, "\n"+goodUser, "\xef\xbb\xbf\nuserId,movieId,rating,timestamp\n\n1,1,3.5,1\n1,1,3,2\n", "movieId,title,genres\n1,\"A (1995),Comedy\n2,\"B, The (1995)\",Drama\n")
	f.Add("1\t1\t3\t1\r\n1\t1\t3\t1\r\n", "1|x|||", "1|2|M|x|y", "userId,movieId,rating,timestamp\n", "movieId,title,genres\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, data, item, user, rcsv, mcsv string) {
		dir := t.TempDir()
		d1 := filepath.Join(dir, "a")
		d2 := filepath.Join(dir, "b")
		d3 := filepath.Join(dir, "c")
		// The .dat layout reuses the inputs with "::" for the separators.
		dat := func(s string) string { return strings.NewReplacer("\t", "::", "|", "::", ",", "::").Replace(s) }
		for d, files := range map[string]map[string]string{
			d1: {"u.data": data, "u.item": item, "u.user": user},
			d2: {"ratings.csv": rcsv, "movies.csv": mcsv},
			d3: {"ratings.dat": dat(data), "movies.dat": dat(mcsv), "users.dat": dat(user)},
		} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range files {
				if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range []BadLinePolicy{Fail, Skip} {
				ds, err := Load(context.Background(), d, LoadOptions{OnBadLine: p})
				if err != nil {
					continue
				}
				for i, r := range ds.Ratings {
					if int(r.Row) != i {
						t.Fatalf("row %d numbered %d", i, r.Row)
					}
				}
			}
		}
	})
}
