package enrich

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// All rows in these tests and in testdata are invented; none is TMDB data.

func TestParseLayouts(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []Record
		cols []Column
	}{
		{
			name: "tmdb 5000 layout, JSON keywords, multi-line overview, CRLF",
			csv: "budget,id,keywords,original_title,overview,release_date,runtime,tagline,title\r\n" +
				"0,11,\"[{\"\"id\"\": 1, \"\"name\"\": \"\"robot\"\"}, {\"\"id\"\": 2, \"\"name\"\": \"\"space\"\"}]\",Metal Friend,\"A robot.\r\nIn space.\",1980-05-01,95.0,Beep.,Metal Friend\r\n",
			want: []Record{{TMDbID: 11, Title: "Metal Friend", OriginalTitle: "Metal Friend", Year: 1980, Overview: "A robot.\nIn space.",
				Tagline: "Beep.", Keywords: []string{"robot", "space"}, Runtime: 95, Line: 2}},
			cols: []Column{ColTMDbID, ColKeywords, ColOriginalTitle, ColOverview, ColReleaseDate, ColRuntime, ColTagline, ColTitle},
		},
		{
			name: "movies_metadata layout with BOM, imdb ids, poster path, python keywords",
			csv: "\ufeffadult,id,imdb_id,original_title,overview,poster_path,release_date,runtime,tagline,title,keywords\n" +
				"False,12,tt0000123,Gamla Huset,\"An old house, a new family.\",/abc.jpg,1961-01-02,0.0,,The Old House,\"[{'id': 9, 'name': \"\"children's story\"\"}, {'id': 10, 'name': 'house'}]\"\n",
			want: []Record{{TMDbID: 12, IMDbID: 123, Title: "The Old House", OriginalTitle: "Gamla Huset", Year: 1961,
				Overview: "An old house, a new family.", Keywords: []string{"children's story", "house"}, PosterPath: "/abc.jpg", Line: 2}},
		},
		{
			name: "own layout, any order, camelCase headers, plain keywords, year column",
			csv: "Poster Path,Keywords,Title,Year,tmdbId,imdbId,Overview\n" +
				"/p.png,heist|vault| heist ,Big Job,1999,77,0456,Crooks plan.\n",
			want: []Record{{TMDbID: 77, IMDbID: 456, Title: "Big Job", Year: 1999, Overview: "Crooks plan.",
				Keywords: []string{"heist", "vault"}, PosterPath: "/p.png", Line: 2}},
		},
		{
			name: "tmdb_id preferred over id; duplicates dropped; latin-1 field",
			csv:  "id,tmdb_id,title,release_date\n1,500,Caf\xe9,3/4/2001\n2,500,Again,2001\n3,501,Other,2001-07\n",
			want: []Record{
				{TMDbID: 500, Title: "Café", Year: 2001, Line: 2},
				{TMDbID: 501, Title: "Other", Year: 2001, Line: 4},
			},
		},
		{
			name: "title only",
			csv:  "title,release_date\nNo Ids,2010-01-01\n",
			want: []Record{{Title: "No Ids", Year: 2010, Line: 2}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tc.csv), Options{Name: "x.csv"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Records, tc.want) {
				t.Errorf("records\n got %+v\nwant %+v", res.Records, tc.want)
			}
			for _, c := range tc.cols {
				if !res.Columns[c] {
					t.Errorf("column %s not detected", c)
				}
			}
		})
	}
}

func TestParseDuplicatesCounted(t *testing.T) {
	res, err := Parse(strings.NewReader("id,title\n1,A\n1,A again\nx,\n"), Options{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Duplicates != 1 || res.Skipped != 1 {
		t.Fatalf("records %d, duplicates %d, skipped %d; want 1, 1, 1", len(res.Records), res.Duplicates, res.Skipped)
	}
	if !strings.Contains(res.FirstSkipped, "tmdb.csv:4: field tmdb_id") {
		t.Errorf("first skipped %q", res.FirstSkipped)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", `m.csv:1: expected a header row, found an empty file`},
		{"no key column", "overview,tagline\na,b\n", `m.csv:1: field header: expected a column to match on: id (or tmdb_id), imdb_id or title, found "overview,tagline"`},
		{"bad id", "id,title\n1,A\nabc,B\n", `m.csv:3: field tmdb_id: expected a positive integer TMDB id, found "abc"`},
		{"negative id", "id,title\n-4,B\n", `m.csv:2: field tmdb_id: expected a positive integer TMDB id, found "-4"`},
		{"bad imdb", "imdb_id,title\nnm0001,B\n", `m.csv:2: field imdb_id: expected an IMDb id ("tt0114709" or digits), found "nm0001"`},
		{"bad date", "id,release_date\n1,next year\n", `m.csv:2: field release_date: expected a date (YYYY-MM-DD, YYYY-MM, YYYY or D/M/YYYY), found "next year"`},
		{"date as id (movies_metadata's broken rows)", "id,title\n1997-08-20,B\n", `m.csv:2: field tmdb_id: expected a positive integer TMDB id, found "1997-08-20"`},
		{"bad year", "id,year\n1,1999-01-01\n", `m.csv:2: field year: expected a four-digit year, found "1999-01-01"`},
		{"bad runtime", "id,runtime\n1,long\n", `m.csv:2: field runtime: expected minutes (a non-negative number), found "long"`},
		{"bad keywords", "id,keywords\n1,\"[{'name': 'x'\"\n", `m.csv:2: field keywords: expected a keyword list`},
		{"field count", "id,title\n1,A,extra\n", `m.csv:2: expected 2 fields as in the header, found 3`},
		{"no key in row", "id,title,overview\n,,text\n", `m.csv:2: field row: expected an id, imdb_id or title to match on, found none`},
		{"unterminated quote", "id,overview\n1,\"never ends\n2,x\n", `m.csv:2: expected well-formed CSV`},
		{"bare quote", "id,overview\n1,say \"hi\" there\n", `m.csv:2: expected well-formed CSV`},
		{"error line inside a multi-line row", "id,overview,runtime\n1,\"one\ntwo\nthree\",\"\nsoon\"\n", `m.csv:4: field runtime: expected minutes`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.csv), Options{Name: "m.csv"})
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n got %q\nwant %q...", err, tc.want)
			}
		})
	}
}

func TestParseKeywords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"[]", nil, false},
		{`["a", "b", "a"]`, []string{"a", "b"}, false},
		{`[{"id": 1, "name": "culture clash"}, {"id": 2, "name": "future"}]`, []string{"culture clash", "future"}, false},
		{`[{'id': 931, 'name': 'jealousy'}, {'id': 9, 'name': "boy's life"}]`, []string{"jealousy", "boy's life"}, false},
		{`[{"name": "caf\u00e9", "id": null, "aliases": ["x"]}]`, []string{"café"}, false},
		{`[{'name': 'caf\xe9', 'ok': True}]`, []string{"café"}, false},
		{"heist | vault|  ", []string{"heist", "vault"}, false},
		{"a; b ;c", []string{"a", "b", "c"}, false},
		{"one, two", []string{"one", "two"}, false},
		{"single", []string{"single"}, false},
		{`[{"name": "x"}`, nil, true},
		{`["x"] extra`, nil, true},
		{`["x`, nil, true},
		{`[x}`, nil, true},
		{`[@]`, nil, true},
	}
	for _, tc := range tests {
		got, err := ParseKeywords(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseKeywords(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseKeywords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTestdataTMDB5000(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "tmdb5000_small.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Parse(f, Options{Name: "tmdb5000_small.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 5 {
		t.Fatalf("%d records, want 5", len(res.Records))
	}
	r := res.Records[0]
	if r.TMDbID != 9001 || r.Year != 1996 || r.Runtime != 117 || r.Tagline != "Come as you are." ||
		!reflect.DeepEqual(r.Keywords, []string{"drag queen", "family secret"}) || !strings.Contains(r.Overview, "\n") {
		t.Errorf("first record %+v", r)
	}
	if res.Records[3].Line != 6 { // the first overview spans two lines
		t.Errorf("fourth record on line %d, want 6", res.Records[3].Line)
	}
}
