package movielens

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
		{"duplicate pair", map[string]string{"u.data": "1\t1\t3\t1\n1\t2\t3\t1\n1\t1\t5\t9\n", "u.item": goodItem, "u.user": goodUser}, "duplicate rating of movie 1 by user 1: rating #3 repeats rating #1"},
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

// FuzzLoad checks that no ml-100k or CSV release crashes Load.
func FuzzLoad(f *testing.F) {
	f.Add("1\t1\t3\t1\n", goodItem, goodUser, "userId,movieId,rating,timestamp\n1,1,3.5,1\n", "movieId,title,genres\n1,\"A, The (1995)\",Comedy\n")
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
