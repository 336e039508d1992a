package synth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func gen(t *testing.T, o Options) *Stats {
	t.Helper()
	st, err := Generate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGenerateDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Users: 60, Items: 80, Ratings: 2500, Format: format, Seed: 7}
			o.Out = filepath.Join(dir, "a")
			a := gen(t, o)
			o.Out = filepath.Join(dir, "b")
			b := gen(t, o)
			o.Out, o.Seed = filepath.Join(dir, "c"), 8
			c := gen(t, o)
			if !slices.Equal(a.Files, b.Files) {
				t.Fatalf("files %v vs %v", a.Files, b.Files)
			}
			differs := false
			for _, name := range a.Files {
				fa, _ := os.ReadFile(filepath.Join(a.Dir, name))
				fb, _ := os.ReadFile(filepath.Join(b.Dir, name))
				fc, _ := os.ReadFile(filepath.Join(c.Dir, name))
				if !bytes.Equal(fa, fb) {
					t.Errorf("%s differs between runs with the same seed", name)
				}
				differs = differs || !bytes.Equal(fa, fc)
			}
			if !differs {
				t.Error("a different seed gave the same files")
			}
		})
	}
}

// ratingLine is one parsed rating.
type ratingLine struct {
	user, item int
	stars      float64
	ts         int64
}

// readRatings parses any format's ratings file.
func readRatings(t *testing.T, dir, format string) []ratingLine {
	t.Helper()
	name, sep, header := "ratings.csv", ",", true
	switch format {
	case FormatML1M:
		name, sep, header = "ratings.dat", "::", false
	case FormatML100K:
		name, sep, header = "u.data", "\t", false
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var out []ratingLine
	for n := 1; sc.Scan(); n++ {
		if header && n == 1 {
			if sc.Text() != "userId,movieId,rating,timestamp" {
				t.Fatalf("header %q", sc.Text())
			}
			continue
		}
		p := strings.Split(sc.Text(), sep)
		if len(p) != 4 {
			t.Fatalf("%s:%d: %q", name, n, sc.Text())
		}
		u, e1 := strconv.Atoi(p[0])
		i, e2 := strconv.Atoi(p[1])
		s, e3 := strconv.ParseFloat(p[2], 64)
		ts, e4 := strconv.ParseInt(p[3], 10, 64)
		if err := errors.Join(e1, e2, e3, e4); err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		if format == FormatML25M && !strings.Contains(p[2], ".") {
			t.Fatalf("%s:%d: rating %q not written as a decimal", name, n, p[2])
		}
		out = append(out, ratingLine{u, i, s, ts})
	}
	return out
}

func TestGenerateRatings(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			o := Options{Users: 300, Items: 2000, Ratings: 30000, Format: format, Seed: 1, Out: filepath.Join(t.TempDir(), "out")}
			st := gen(t, o)
			rs := readRatings(t, st.Dir, format)
			if int64(len(rs)) != o.Ratings || st.Ratings != o.Ratings {
				t.Fatalf("%d ratings written, stats say %d, want %d", len(rs), st.Ratings, o.Ratings)
			}
			win := windowFor(format)
			seen := map[[2]int]bool{}
			perUser := map[int][]int64{}
			perItem := map[int]int{}
			sum, halves := 0.0, 0
			for _, r := range rs {
				key := [2]int{r.user, r.item}
				if seen[key] {
					t.Fatalf("duplicate pair user %d movie %d", r.user, r.item)
				}
				seen[key] = true
				if r.user < 1 || r.user > o.Users || r.item < 1 || r.item > o.Items {
					t.Fatalf("id out of range: %+v", r)
				}
				if r.stars < 0.5 || r.stars > 5 || r.stars*2 != float64(int(r.stars*2)) {
					t.Fatalf("bad rating %v", r.stars)
				}
				if r.stars != float64(int(r.stars)) {
					halves++
				}
				if r.ts < win.start || r.ts > win.end {
					t.Fatalf("timestamp %d outside %d..%d", r.ts, win.start, win.end)
				}
				perUser[r.user] = append(perUser[r.user], r.ts)
				perItem[r.item]++
				sum += r.stars
			}
			if len(perUser) != o.Users {
				t.Errorf("%d users have ratings, want all %d", len(perUser), o.Users)
			}
			for u, ts := range perUser {
				if format != FormatML25M && !slices.IsSorted(ts) {
					t.Fatalf("user %d: ratings not in time order", u)
				}
				slices.Sort(ts)
				if len(slices.Compact(ts)) != len(ts) {
					t.Fatalf("user %d: repeated timestamp", u)
				}
			}
			if (halves > 0) != (format == FormatML25M) {
				t.Errorf("%d half-star ratings in %s", halves, format)
			}
			mean := sum / float64(len(rs))
			if mean < 3.3 || mean > 3.75 || abs(mean-st.MeanRating) > 1e-9 {
				t.Errorf("mean rating %.3f (stats %.3f), want about 3.5", mean, st.MeanRating)
			}
			// Heavy tails: the busiest user and the most popular movie are
			// far above the median.
			counts := func(m map[int]int) []int {
				var c []int
				for _, v := range m {
					c = append(c, v)
				}
				slices.Sort(c)
				return c
			}
			uc := make(map[int]int, len(perUser))
			for u, ts := range perUser {
				uc[u] = len(ts)
			}
			users, items := counts(uc), counts(perItem)
			if users[len(users)-1] < 4*users[len(users)/2] {
				t.Errorf("user activity not heavy-tailed: median %d, max %d", users[len(users)/2], users[len(users)-1])
			}
			if items[len(items)-1] < 5*items[len(items)/2] {
				t.Errorf("item popularity not Zipf-like: median %d, max %d", items[len(items)/2], items[len(items)-1])
			}
		})
	}
}

func abs(x float64) float64 { return max(x, -x) }

var titleRE = regexp.MustCompile(`^Synthetic Movie (\d+) \((\d{4})\)$`)

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestGenerateFormats(t *testing.T) {
	const users, items = 40, 50
	base := Options{Users: users, Items: items, Ratings: 1200, Seed: 3}

	t.Run(FormatML25M, func(t *testing.T) {
		o := base
		o.Format, o.Out = FormatML25M, filepath.Join(t.TempDir(), "ml")
		st := gen(t, o)
		want := []string{"README.txt", "links.csv", "movies.csv", "ratings.csv", "tags.csv"}
		if !slices.Equal(st.Files, want) {
			t.Fatalf("files %v, want %v", st.Files, want)
		}
		headers := map[string]string{
			"movies.csv": "movieId,title,genres", "ratings.csv": "userId,movieId,rating,timestamp",
			"links.csv": "movieId,imdbId,tmdbId", "tags.csv": "userId,movieId,tag,timestamp",
		}
		for name, h := range headers {
			if got := lines(t, filepath.Join(st.Dir, name))[0]; got != h {
				t.Errorf("%s header %q, want %q", name, got, h)
			}
		}
		movies := lines(t, filepath.Join(st.Dir, "movies.csv"))[1:]
		if len(movies) != items {
			t.Fatalf("%d movies", len(movies))
		}
		for i, l := range movies {
			p := strings.Split(l, ",")
			if len(p) != 3 || p[0] != strconv.Itoa(i+1) || !titleRE.MatchString(p[1]) {
				t.Fatalf("movies.csv line %q", l)
			}
			for _, g := range strings.Split(p[2], "|") {
				if !slices.Contains(genreTable(FormatML25M).names, g) && g != "(no genres listed)" {
					t.Fatalf("unknown genre %q", g)
				}
			}
		}
		links := lines(t, filepath.Join(st.Dir, "links.csv"))[1:]
		if len(links) != items || !regexp.MustCompile(`^1,\d{7},\d+$`).MatchString(links[0]) {
			t.Fatalf("links.csv: %d lines, first %q", len(links), links[0])
		}
	})

	t.Run(FormatML1M, func(t *testing.T) {
		o := base
		o.Format, o.Out = FormatML1M, filepath.Join(t.TempDir(), "ml")
		st := gen(t, o)
		movies := lines(t, filepath.Join(st.Dir, "movies.dat"))
		if len(movies) != items {
			t.Fatalf("%d movies", len(movies))
		}
		for _, l := range movies {
			p := strings.Split(l, "::")
			if len(p) != 3 || !titleRE.MatchString(p[1]) || p[2] == "" {
				t.Fatalf("movies.dat line %q", l)
			}
		}
		us := lines(t, filepath.Join(st.Dir, "users.dat"))
		if len(us) != users {
			t.Fatalf("%d users", len(us))
		}
		for i, l := range us {
			if !regexp.MustCompile(fmt.Sprintf(`^%d::[MF]::(1|18|25|35|45|50|56)::([0-9]|1[0-9]|20)::\d{5}$`, i+1)).MatchString(l) {
				t.Fatalf("users.dat line %q", l)
			}
		}
	})

	t.Run(FormatML100K, func(t *testing.T) {
		o := base
		o.Format, o.Out = FormatML100K, filepath.Join(t.TempDir(), "ml")
		st := gen(t, o)
		for _, name := range []string{"u.data", "u.item", "u.user", "u.genre", "u.occupation", "u.info"} {
			if !slices.Contains(st.Files, name) {
				t.Fatalf("no %s in %v", name, st.Files)
			}
		}
		items100k := lines(t, filepath.Join(st.Dir, "u.item"))
		if len(items100k) != items {
			t.Fatalf("%d items", len(items100k))
		}
		for _, l := range items100k {
			p := strings.Split(l, "|")
			if len(p) != 24 || !titleRE.MatchString(p[1]) || !strings.Contains(strings.Join(p[5:], ""), "1") {
				t.Fatalf("u.item line %q", l)
			}
		}
		genres := lines(t, filepath.Join(st.Dir, "u.genre"))
		if len(genres) != 20 || genres[0] != "unknown|0" || genres[18] != "Western|18" || genres[19] != "" {
			t.Fatalf("u.genre = %q", genres)
		}
		if occ := lines(t, filepath.Join(st.Dir, "u.occupation")); len(occ) != 21 {
			t.Fatalf("%d occupations", len(occ))
		}
		us := lines(t, filepath.Join(st.Dir, "u.user"))
		if len(us) != users || !regexp.MustCompile(`^1\|\d+\|[MF]\|[a-z]+\|\d{5}$`).MatchString(us[0]) {
			t.Fatalf("u.user: %d lines, first %q", len(us), us[0])
		}
		if info := lines(t, filepath.Join(st.Dir, "u.info")); info[2] != "1200 ratings" {
			t.Fatalf("u.info = %q", info)
		}
	})
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	tests := []struct {
		name string
		o    Options
		msg  string
	}{
		{"format", Options{Users: 1, Items: 1, Ratings: 1, Format: "ml-7m", Out: out}, "unknown format"},
		{"no users", Options{Users: 0, Items: 1, Ratings: 1, Out: out}, "--users"},
		{"no items", Options{Users: 1, Items: 0, Ratings: 1, Out: out}, "--items"},
		{"too few ratings", Options{Users: 10, Items: 10, Ratings: 9, Out: out}, "at least --users"},
		{"too many ratings", Options{Users: 10, Items: 10, Ratings: 101, Out: out}, "unique"},
		{"no out", Options{Users: 1, Items: 1, Ratings: 1}, "output"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.msg)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a rejected run created the output folder")
	}
}

func TestGenerateFullMatrix(t *testing.T) {
	// Every (user, item) pair: the per-user cap must give way.
	st := gen(t, Options{Users: 7, Items: 9, Ratings: 63, Format: FormatML1M, Out: filepath.Join(t.TempDir(), "x")})
	if st.MaxUserRatings != 9 {
		t.Fatalf("max user ratings %d, want 9", st.MaxUserRatings)
	}
	if got := readRatings(t, st.Dir, FormatML1M); len(got) != 63 {
		t.Fatalf("%d ratings", len(got))
	}
}

func TestGenerateReplacesOutputAtomically(t *testing.T) {
	out := filepath.Join(t.TempDir(), "synth")
	gen(t, Options{Users: 5, Items: 5, Ratings: 10, Format: FormatML1M, Out: out})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, Options{Users: 5, Items: 5, Ratings: 10, Out: out})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Fatalf("cancelled run left %d entries beside the output", len(entries))
	}
	if _, err := os.Stat(filepath.Join(out, "ratings.dat")); err != nil {
		t.Fatal("cancelled run touched the existing output")
	}

	gen(t, Options{Users: 5, Items: 5, Ratings: 10, Out: out})
	if _, err := os.Stat(filepath.Join(out, "ratings.dat")); err == nil {
		t.Fatal("old output not replaced")
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Fatalf("run left %d entries beside the output", len(entries))
	}
}

// TestGenerateGuardsOutput checks which existing --out folders Generate
// replaces: its own earlier output, an empty folder, and with Force anything
// but the working directory and its parents. Refused folders are untouched.
func TestGenerateGuardsOutput(t *testing.T) {
	write := func(t *testing.T, path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	release := func(t *testing.T, dir string) { // a real ml-100k, in part
		write(t, filepath.Join(dir, "README"), "SUMMARY & USAGE LICENSE\n")
		write(t, filepath.Join(dir, "u.data"), "196\t242\t3\t881250949\n")
	}
	earlier := func(t *testing.T, dir string) {
		gen(t, Options{Users: 5, Items: 5, Ratings: 10, Format: FormatML100K, Out: dir})
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) // root is the working directory
		out   string                          // relative to root
		force bool
		msg   string // "" when Generate must succeed
		keep  string // a file, relative to root, a refused run must leave
	}{
		{name: "new folder", out: "data/raw/synth"},
		{name: "empty folder", setup: func(t *testing.T, root string) {
			os.MkdirAll(filepath.Join(root, "out"), 0o755)
		}, out: "out"},
		{name: "earlier synth output", setup: func(t *testing.T, root string) {
			earlier(t, filepath.Join(root, "out"))
		}, out: "out"},
		{name: "parent of a fetched release", setup: func(t *testing.T, root string) {
			release(t, filepath.Join(root, "data/raw/ml-100k"))
		}, out: "data/raw", msg: "--out data/raw is not empty and was not written by genie data synth (it holds ml-100k/); pass --force",
			keep: "data/raw/ml-100k/u.data"},
		{name: "a fetched release", setup: func(t *testing.T, root string) {
			release(t, filepath.Join(root, "ml-100k"))
		}, out: "ml-100k", msg: "(it holds README, u.data); pass --force to replace it and everything in it, or choose another --out",
			keep: "ml-100k/u.data"},
		{name: "synth output plus a note", setup: func(t *testing.T, root string) {
			earlier(t, filepath.Join(root, "out"))
			write(t, filepath.Join(root, "out", "notes.txt"), "mine")
		}, out: "out", msg: "--out out holds files genie data synth did not write (notes.txt); pass --force", keep: "out/notes.txt"},
		{name: "synth output plus a folder", setup: func(t *testing.T, root string) {
			earlier(t, filepath.Join(root, "out"))
			write(t, filepath.Join(root, "out", "u.data.bak", "x"), "mine")
		}, out: "out", msg: "did not write (u.data.bak/)", keep: "out/u.data.bak/x"},
		{name: "many files", setup: func(t *testing.T, root string) {
			for i := range 6 {
				write(t, filepath.Join(root, "out", fmt.Sprintf("f%d", i)), "x")
			}
		}, out: "out", msg: "(it holds f0, f1, f2, f3, and 2 more)", keep: "out/f5"},
		{name: "a file", setup: func(t *testing.T, root string) {
			write(t, filepath.Join(root, "out"), "mine")
		}, out: "out", msg: "--out out exists and is not a folder; pass --force to replace it, or choose another --out", keep: "out"},
		{name: "a link to earlier output", setup: func(t *testing.T, root string) {
			earlier(t, filepath.Join(root, "real"))
			if err := os.Symlink("real", filepath.Join(root, "out")); err != nil {
				t.Fatal(err)
			}
		}, out: "out", msg: "--out out is a symbolic link; pass --force to replace the link, or choose another --out", keep: "real/u.data"},
		{name: "release with force", setup: func(t *testing.T, root string) {
			release(t, filepath.Join(root, "ml-100k"))
		}, out: "ml-100k", force: true},
		{name: "file with force", setup: func(t *testing.T, root string) {
			write(t, filepath.Join(root, "out"), "mine")
		}, out: "out", force: true},
		{name: "current folder", setup: func(t *testing.T, root string) {
			write(t, filepath.Join(root, "keep.txt"), "mine")
		}, out: ".", force: true, msg: "--out . is the current folder or one of its parents: synth replaces its output folder as a whole, so give it a folder of its own, e.g. --out data/raw/synth-ml-25m",
			keep: "keep.txt"},
		{name: "empty current folder", out: ".", msg: "current folder or one of its parents"},
		{name: "parent folder", out: "..", force: true, msg: "current folder or one of its parents"},
		{name: "current folder, unclean", out: "./data/..", force: true, msg: "current folder or one of its parents"},
		{name: "root", out: "/", force: true, msg: "current folder or one of its parents"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "work")
			if err := os.MkdirAll(root, 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, root)
			}
			t.Chdir(root)
			_, err := Generate(context.Background(), Options{Users: 5, Items: 5, Ratings: 10, Out: tc.out, Force: tc.force})
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(root, tc.out, "ratings.csv")); err != nil {
					t.Fatalf("output not written: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.msg)
			}
			if tc.keep != "" {
				if _, err := os.Stat(filepath.Join(root, tc.keep)); err != nil {
					t.Fatalf("refused run removed %s: %v", tc.keep, err)
				}
			}
			entries, _ := os.ReadDir(filepath.Dir(filepath.Join(root, tc.out)))
			for _, e := range entries {
				if strings.Contains(e.Name(), ".synth-") {
					t.Fatalf("refused run left %s behind", e.Name())
				}
			}
		})
	}
}

func ExampleGenerate() {
	dir, _ := os.MkdirTemp("", "synth-example")
	defer os.RemoveAll(dir)
	st, err := Generate(context.Background(), Options{
		Users: 100, Items: 200, Ratings: 5000, Format: FormatML25M, Seed: 42,
		Out: filepath.Join(dir, "ml-synth"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Ratings, st.Files)
	// Output: 5000 [README.txt links.csv movies.csv ratings.csv tags.csv]
}

func TestGenerateIndependentOfCPUs(t *testing.T) {
	dir := t.TempDir()
	o := Options{Users: 3*chunkUsers + 17, Items: 300, Ratings: 40000, Format: FormatML25M, Seed: 9}
	var files [][]byte
	for _, procs := range []int{1, 3} {
		prev := runtime.GOMAXPROCS(procs)
		o.Out = filepath.Join(dir, strconv.Itoa(procs))
		st := gen(t, o)
		runtime.GOMAXPROCS(prev)
		b, err := os.ReadFile(filepath.Join(st.Dir, "ratings.csv"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("output depends on GOMAXPROCS")
	}
}
