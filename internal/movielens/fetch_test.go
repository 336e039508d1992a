package movielens

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

var fetchTestFiles = map[string]string{
	"movies.csv":  "movieId,title,genres\n1,Toy Story (1995),Comedy\n",
	"ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n",
	"README.txt":  "test release\n",
}

// fetchTestZip builds a release zip with files under folder/.
func fetchTestZip(t testing.TB, folder string, files map[string]string) []byte {
	t.Helper()
	var entries []zipEntryT
	for _, name := range sortedNames(files) {
		entries = append(entries, zipEntryT{name: folder + "/" + name, body: files[name]})
	}
	return buildFetchZip(t, entries...)
}

// pinnedRelease is a test release pinned to data.
func pinnedRelease(data []byte) *Release {
	s := sha256.Sum256(data)
	m := md5.Sum(data)
	return &Release{
		Name: "ml-test", Zip: "ml-test.zip", Folder: "ml-test",
		Size: int64(len(data)), SHA256: hex.EncodeToString(s[:]), MD5: hex.EncodeToString(m[:]),
		Required: []string{"movies.csv", "ratings.csv"},
	}
}

// zipServer serves body at /ml-test.zip over TLS and counts requests.
func zipServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/ml-test.zip" {
			http.NotFound(w, r)
			return
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func serveBytes(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write(b) }
}

// assertEmptyDir fails unless dir holds exactly the names given.
func assertDirHolds(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
}

func TestFetchDownload(t *testing.T) {
	data := fetchTestZip(t, "ml-test", fetchTestFiles)
	srv, hits := zipServer(t, serveBytes(data))
	dest := t.TempDir()
	var progress bytes.Buffer
	opts := FetchOptions{
		Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(),
		Release: pinnedRelease(data), Progress: &progress,
	}
	res, err := Fetch(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || res.AlreadyPresent || len(res.Warnings) != 0 {
		t.Errorf("result = %+v", res)
	}
	if want := []string{"README.txt", "movies.csv", "ratings.csv"}; !slices.Equal(res.Files, want) {
		t.Errorf("files = %v, want %v", res.Files, want)
	}
	assertDirHolds(t, dest, "ml-test")
	got, err := os.ReadFile(filepath.Join(dest, "ml-test", "ratings.csv"))
	if err != nil || string(got) != fetchTestFiles["ratings.csv"] {
		t.Fatalf("ratings.csv = %q, %v", got, err)
	}
	if !strings.Contains(progress.String(), "verified ml-test.zip") {
		t.Errorf("progress output lacks verification: %q", progress.String())
	}

	// Second run: present and verified, no download.
	res, err = Fetch(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AlreadyPresent || hits.Load() != 1 {
		t.Errorf("second fetch: AlreadyPresent=%v, requests=%d", res.AlreadyPresent, hits.Load())
	}

	// A tampered copy is not silently accepted...
	os.WriteFile(filepath.Join(dest, "ml-test", "ratings.csv"), []byte("tampered"), 0o644)
	_, err = Fetch(context.Background(), opts)
	var ce *ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("tampered copy: err = %v, want a checksum error suggesting --force", err)
	}
	// ...and --force replaces it.
	opts.Force = true
	if _, err := Fetch(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(filepath.Join(dest, "ml-test", "ratings.csv"))
	if string(got) != fetchTestFiles["ratings.csv"] {
		t.Errorf("after --force ratings.csv = %q", got)
	}
	assertDirHolds(t, dest, "ml-test")
}

func TestFetchDownloadFailuresLeaveNothing(t *testing.T) {
	good := fetchTestZip(t, "ml-test", fetchTestFiles)
	truncated := good[:len(good)-40]
	evil := buildFetchZip(t,
		zipEntryT{name: "ml-test/movies.csv", body: "x"},
		zipEntryT{name: "ml-test/ratings.csv", body: "x"},
		zipEntryT{name: "ml-test/../../escape.txt", body: "x"},
	)
	abs := buildFetchZip(t, zipEntryT{name: "/tmp/escape.txt", body: "x"})
	link := buildFetchZip(t, zipEntryT{name: "ml-test/movies.csv", body: "/etc/passwd", mode: os.ModeSymlink | 0o777})
	big := fetchTestZip(t, "ml-test", map[string]string{"movies.csv": "x", "ratings.csv": strings.Repeat("1,1,4.0,1\n", 200)})
	wrong := fetchTestZip(t, "ml-test", map[string]string{"u.data": "1\t1\t4\t1\n"})

	withSHA := func(r *Release, sha string) *Release { r.SHA256 = sha; return r }
	withSize := func(r *Release, n int64) *Release { r.Size = n; return r }

	tests := []struct {
		name    string
		serve   http.HandlerFunc
		release *Release
		limits  ExtractLimits
		check   func(t *testing.T, err error)
	}{
		{
			name: "sha256 mismatch", serve: serveBytes(good),
			release: withSHA(pinnedRelease(good), strings.Repeat("ab", 32)),
			check: func(t *testing.T, err error) {
				var ce *ChecksumError
				if !errors.As(err, &ce) || ce.Kind != "sha256" || ce.Expected != strings.Repeat("ab", 32) || ce.Got != pinnedRelease(good).SHA256 {
					t.Fatalf("err = %v, want sha256 mismatch with expected and got", err)
				}
			},
		},
		{
			name: "size mismatch", serve: serveBytes(good), release: withSize(pinnedRelease(good), 12345),
			check: fetchErrKind("size"),
		},
		{
			name: "connection cut mid-body",
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(good)))
				w.Write(good[:len(good)/2])
			},
			release: pinnedRelease(good),
			check:   fetchErrMentions("download"),
		},
		{
			name: "truncated zip matching its pin", serve: serveBytes(truncated), release: pinnedRelease(truncated),
			check: fetchErrIs(ErrCorruptArchive),
		},
		{name: "dotdot entry", serve: serveBytes(evil), release: pinnedRelease(evil), check: fetchErrIs(ErrUnsafeArchive)},
		{name: "absolute entry", serve: serveBytes(abs), release: pinnedRelease(abs), check: fetchErrIs(ErrUnsafeArchive)},
		{name: "symlink entry", serve: serveBytes(link), release: pinnedRelease(link), check: fetchErrIs(ErrUnsafeArchive)},
		{
			name: "oversized entry", serve: serveBytes(big), release: pinnedRelease(big),
			limits: ExtractLimits{MaxFileSize: 1000}, check: fetchErrIs(ErrUnsafeArchive),
		},
		{
			name: "wrong release inside", serve: serveBytes(wrong), release: pinnedRelease(wrong),
			check: func(t *testing.T, err error) {
				var me *MissingFilesError
				if !errors.As(err, &me) || !slices.Equal(me.Missing, []string{"movies.csv", "ratings.csv"}) {
					t.Fatalf("err = %v, want missing movies.csv, ratings.csv", err)
				}
			},
		},
		{
			name: "not found", release: func() *Release { r := pinnedRelease(good); r.Zip = "nope.zip"; return r }(),
			check: fetchErrMentions("404"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			serve := tc.serve
			if serve == nil {
				serve = serveBytes(good)
			}
			srv, _ := zipServer(t, serve)
			dest := t.TempDir()
			_, err := Fetch(context.Background(), FetchOptions{
				Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(), Release: tc.release, Limits: tc.limits,
			})
			if err == nil {
				t.Fatal("fetch succeeded")
			}
			tc.check(t, err)
			assertDirHolds(t, dest) // nothing left behind
			if _, err := os.Stat(filepath.Join(filepath.Dir(dest), "escape.txt")); err == nil {
				t.Fatal("an entry escaped the destination")
			}
		})
	}
}

func fetchErrIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Fatalf("err = %v, want %v", err, target)
		}
	}
}

func fetchErrKind(kind string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ce *ChecksumError
		if !errors.As(err, &ce) || ce.Kind != kind {
			t.Fatalf("err = %v, want a %s mismatch", err, kind)
		}
	}
}

func fetchErrMentions(sub string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !strings.Contains(err.Error(), sub) {
			t.Fatalf("err = %v, want it to mention %q", err, sub)
		}
	}
}

func TestFetchChecksInnerChecksums(t *testing.T) {
	files := map[string]string{"movies.csv": "m\n", "ratings.csv": "r\n"}
	var list strings.Builder
	for _, name := range sortedNames(files) {
		fmt.Fprintf(&list, "%x  %s\n", md5.Sum([]byte(files[name])), name)
	}
	good := maps.Clone(files)
	good["checksums.txt"] = list.String()
	bad := maps.Clone(good)
	bad["ratings.csv"] = "changed\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		ok    bool
	}{{"match", good, true}, {"mismatch", bad, false}} {
		t.Run(tc.name, func(t *testing.T) {
			data := fetchTestZip(t, "ml-test", tc.files)
			srv, _ := zipServer(t, serveBytes(data))
			dest := t.TempDir()
			var progress bytes.Buffer
			_, err := Fetch(context.Background(), FetchOptions{
				Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(), Release: pinnedRelease(data), Progress: &progress,
			})
			if tc.ok {
				if err != nil || !strings.Contains(progress.String(), "checked 2 files") {
					t.Fatalf("err = %v, progress %q", err, progress.String())
				}
				return
			}
			var ce *ChecksumError
			if !errors.As(err, &ce) || ce.Kind != "md5" || ce.File != "ratings.csv" {
				t.Fatalf("err = %v, want md5 mismatch for ratings.csv", err)
			}
			assertDirHolds(t, dest)
		})
	}
}

func TestFetchFailureKeepsExistingCopy(t *testing.T) {
	good := fetchTestZip(t, "ml-test", fetchTestFiles)
	srv, _ := zipServer(t, serveBytes(good))
	dest := t.TempDir()
	old := filepath.Join(dest, "ml-test")
	os.Mkdir(old, 0o755)
	os.WriteFile(filepath.Join(old, "movies.csv"), []byte("mine"), 0o644)

	// Without --force an unverifiable folder is an error and stays.
	rel := pinnedRelease(good)
	_, err := Fetch(context.Background(), FetchOptions{Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(), Release: rel})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v, want already exists", err)
	}
	// With --force but a bad download the old folder stays too.
	rel.SHA256 = strings.Repeat("0", 64)
	_, err = Fetch(context.Background(), FetchOptions{Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(), Release: rel, Force: true})
	if err == nil {
		t.Fatal("fetch succeeded")
	}
	assertDirHolds(t, dest, "ml-test")
	assertDirHolds(t, old, "movies.csv")
	if b, _ := os.ReadFile(filepath.Join(old, "movies.csv")); string(b) != "mine" {
		t.Fatalf("existing file changed to %q", b)
	}
}

func TestFetchCancelledMidDownload(t *testing.T) {
	good := fetchTestZip(t, "ml-test", fetchTestFiles)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, _ := zipServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(good)))
		w.Write(good[:len(good)/2])
		w.(http.Flusher).Flush()
		cancel()
		<-r.Context().Done()
	})
	dest := t.TempDir()
	_, err := Fetch(ctx, FetchOptions{Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(), Release: pinnedRelease(good)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertDirHolds(t, dest)
}

func TestFetchConcurrent(t *testing.T) {
	data := fetchTestZip(t, "ml-test", fetchTestFiles)
	srv, _ := zipServer(t, serveBytes(data))
	dest := t.TempDir()
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			_, err := Fetch(context.Background(), FetchOptions{Dest: dest, BaseURL: srv.URL, HTTPClient: srv.Client(), Release: pinnedRelease(data)})
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	assertDirHolds(t, dest, "ml-test")
	assertDirHolds(t, filepath.Join(dest, "ml-test"), "README.txt", "movies.csv", "ratings.csv", FetchManifest)
}

func TestFetchRefusesPlainHTTP(t *testing.T) {
	dest := t.TempDir()
	_, err := Fetch(context.Background(), FetchOptions{Dest: dest, BaseURL: "http://127.0.0.1:1", Release: pinnedRelease(nil)})
	if err == nil || !strings.Contains(err.Error(), "only https") {
		t.Fatalf("err = %v, want https refusal", err)
	}
	assertDirHolds(t, dest)
}

// writeTestFolder writes fetchTestFiles to base/ml-test and, with sums, a
// SHA256SUMS beside it in the layout of ../shared/datasets.
func writeTestFolder(t *testing.T, sums bool) (base, folder string) {
	t.Helper()
	base = t.TempDir()
	folder = filepath.Join(base, "ml-test")
	os.Mkdir(folder, 0o755)
	var b strings.Builder
	for _, name := range sortedNames(fetchTestFiles) {
		os.WriteFile(filepath.Join(folder, name), []byte(fetchTestFiles[name]), 0o644)
		s := sha256.Sum256([]byte(fetchTestFiles[name]))
		fmt.Fprintf(&b, "%x  ml-test/%s\n", s, name)
	}
	fmt.Fprintf(&b, "%s  other/u.data\n", strings.Repeat("0", 64))
	if sums {
		os.WriteFile(filepath.Join(base, "SHA256SUMS"), []byte(b.String()), 0o644)
	}
	return base, folder
}

func TestFetchFromFolder(t *testing.T) {
	rel := &Release{Name: "ml-test", Folder: "ml-test", Required: []string{"movies.csv", "ratings.csv"}}
	t.Run("verified by SHA256SUMS beside it", func(t *testing.T) {
		_, folder := writeTestFolder(t, true)
		dest := t.TempDir()
		res, err := Fetch(context.Background(), FetchOptions{From: folder, Dest: dest, Release: rel})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Verified || len(res.Warnings) != 0 || len(res.Files) != 3 {
			t.Errorf("result = %+v", res)
		}
		assertDirHolds(t, filepath.Join(dest, "ml-test"), "README.txt", "movies.csv", "ratings.csv", FetchManifest)
	})
	t.Run("parent folder", func(t *testing.T) {
		base, _ := writeTestFolder(t, true)
		res, err := Fetch(context.Background(), FetchOptions{From: base, Dest: t.TempDir(), Release: rel})
		if err != nil || !res.Verified {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
	})
	t.Run("parent of an incomplete folder", func(t *testing.T) {
		base, folder := writeTestFolder(t, true)
		os.Remove(filepath.Join(folder, "ratings.csv"))
		_, err := Fetch(context.Background(), FetchOptions{From: base, Dest: t.TempDir(), Release: rel})
		var me *MissingFilesError
		if !errors.As(err, &me) || me.Dir != folder || !slices.Equal(me.Missing, []string{"ratings.csv"}) {
			t.Fatalf("err = %v, want %s missing ratings.csv", err, folder)
		}
	})
	t.Run("no SHA256SUMS", func(t *testing.T) {
		_, folder := writeTestFolder(t, false)
		res, err := Fetch(context.Background(), FetchOptions{From: folder, Dest: t.TempDir(), Release: rel})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verified || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "unverified") {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("checksum mismatch", func(t *testing.T) {
		_, folder := writeTestFolder(t, true)
		os.WriteFile(filepath.Join(folder, "ratings.csv"), []byte("changed\n"), 0o644)
		dest := t.TempDir()
		_, err := Fetch(context.Background(), FetchOptions{From: folder, Dest: dest, Release: rel})
		var ce *ChecksumError
		if !errors.As(err, &ce) || !strings.HasSuffix(ce.File, "ratings.csv") {
			t.Fatalf("err = %v, want a checksum error for ratings.csv", err)
		}
		assertDirHolds(t, dest)
	})
	t.Run("wrong folder", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "u.data"), []byte("1\t2\t3\t4\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "movies.csv"), []byte("x"), 0o644)
		dest := t.TempDir()
		_, err := Fetch(context.Background(), FetchOptions{From: dir, Dest: dest, Release: rel})
		var me *MissingFilesError
		if !errors.As(err, &me) || !slices.Equal(me.Missing, []string{"ratings.csv"}) || !strings.Contains(err.Error(), "u.data") {
			t.Fatalf("err = %v, want missing ratings.csv, found u.data", err)
		}
		assertDirHolds(t, dest)
	})
	t.Run("missing path", func(t *testing.T) {
		_, err := Fetch(context.Background(), FetchOptions{From: filepath.Join(t.TempDir(), "nope"), Dest: t.TempDir(), Release: rel})
		if err == nil || !strings.Contains(err.Error(), "--from") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestFetchFromZip(t *testing.T) {
	data := fetchTestZip(t, "ml-test", fetchTestFiles)
	dir := t.TempDir()
	named := filepath.Join(dir, "ml-test.zip")
	other := filepath.Join(dir, "my-copy.zip")
	os.WriteFile(named, data, 0o644)
	os.WriteFile(other, data, 0o644)
	bad := pinnedRelease(data)
	bad.SHA256 = strings.Repeat("1", 64)

	tests := []struct {
		name         string
		from         string
		rel          *Release
		wantErr      bool
		wantVerified bool
		wantWarnings int
	}{
		{name: "release zip verified", from: named, rel: pinnedRelease(data), wantVerified: true},
		{name: "renamed zip still matches pin", from: other, rel: pinnedRelease(data), wantVerified: true},
		{name: "release zip mismatch", from: named, rel: bad, wantErr: true},
		{name: "other zip mismatch warns", from: other, rel: bad, wantWarnings: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := t.TempDir()
			res, err := Fetch(context.Background(), FetchOptions{From: tc.from, Dest: dest, Release: tc.rel})
			if tc.wantErr {
				var ce *ChecksumError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want ChecksumError", err)
				}
				assertDirHolds(t, dest)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tc.wantVerified || len(res.Warnings) != tc.wantWarnings {
				t.Errorf("verified=%v warnings=%v", res.Verified, res.Warnings)
			}
			assertDirHolds(t, filepath.Join(dest, "ml-test"), "README.txt", "movies.csv", "ratings.csv", FetchManifest)
		})
	}
	t.Run("truncated", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "cut.zip")
		os.WriteFile(p, data[:len(data)/3], 0o644)
		dest := t.TempDir()
		_, err := Fetch(context.Background(), FetchOptions{From: p, Dest: dest, Release: pinnedRelease(data)})
		if !errors.Is(err, ErrCorruptArchive) {
			t.Fatalf("err = %v, want ErrCorruptArchive", err)
		}
		assertDirHolds(t, dest)
	})
}

// TestFetchSharedML100K copies the real ml-100k folder kept beside the repo,
// verifying it against ../shared/datasets/SHA256SUMS.
func TestIdentifyZip(t *testing.T) {
	data := fetchTestZip(t, "ml-test", fetchTestFiles)
	dg, err := digestFile(context.Background(), writeTemp(t, data))
	if err != nil {
		t.Fatal(err)
	}
	mine := *pinnedRelease(data)
	other := mine
	other.Name, other.SHA256 = "ml-other", strings.Repeat("0", 64)
	unpinned := Release{Name: "ml-unpinned"}
	if r, ok := identifyZip(dg, []Release{unpinned, other, mine}); !ok || r.Name != "ml-test" {
		t.Errorf("identifyZip = %q, %v; want ml-test", r.Name, ok)
	}
	if _, ok := identifyZip(dg, []Release{unpinned, other}); ok {
		t.Error("identifyZip matched an unpinned or different release")
	}
	if _, ok := identifyZip(dg, Releases()); ok {
		t.Error("test zip matches a real release")
	}
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFetchSharedML100K(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "datasets", "ml-100k")
	if _, err := os.Stat(src); err != nil {
		t.Skip("no shared ml-100k folder")
	}
	dest := t.TempDir()
	res, err := Fetch(context.Background(), FetchOptions{Dataset: "ml-100k", From: src, Dest: dest})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || res.Dir != filepath.Join(dest, "ml-100k") || !slices.Contains(res.Files, "u.data") {
		t.Errorf("result = %+v", res)
	}
}

func TestFetchUnknownDataset(t *testing.T) {
	dest := t.TempDir()
	_, err := Fetch(context.Background(), FetchOptions{Dataset: "ml-100", Dest: dest})
	var ue *UnknownReleaseError
	if !errors.As(err, &ue) || ue.Closest != "ml-100k" || !strings.Contains(err.Error(), "ml-latest-small") {
		t.Fatalf("err = %v", err)
	}
	assertDirHolds(t, dest)
}

func TestLookupRelease(t *testing.T) {
	tests := []struct {
		in, want, closest string
	}{
		{in: "ml-100k", want: "ml-100k"},
		{in: "ML-1M", want: "ml-1m"},
		{in: "25m", want: "ml-25m"},
		{in: " ml-latest-small ", want: "ml-latest-small"},
		{in: "ml-100", closest: "ml-100k"},
		{in: "ml-lastest-small", closest: "ml-latest-small"},
		{in: "ml-10M100K", want: "ml-10m"},
		{in: "netflix", closest: ""},
		// Suggestions only for plausible typos.
		{in: "foo", closest: ""}, // was "ml-1m"
		{in: "ml-latest", closest: "ml-latest-small"},
		{in: "latest", closest: "ml-latest-small"},
		{in: "ml-latset-small", closest: "ml-latest-small"},
		{in: "ml100k", closest: "ml-100k"},
		{in: "mk-100k", closest: "ml-100k"},
		{in: "ml-25", closest: "ml-25m"},
		{in: "ml-2m", closest: ""},  // ml-1m, ml-20m or ml-25m
		{in: "ml-10k", closest: ""}, // ml-100k or ml-10m
		{in: "ml-1", closest: ""},
		{in: "small", closest: ""},
		{in: "x", closest: ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := LookupRelease(tc.in)
			if tc.want != "" {
				if err != nil || r.Name != tc.want {
					t.Fatalf("LookupRelease(%q) = %q, %v; want %q", tc.in, r.Name, err, tc.want)
				}
				return
			}
			var ue *UnknownReleaseError
			if !errors.As(err, &ue) || ue.Closest != tc.closest || len(ue.Known) != 7 {
				t.Fatalf("LookupRelease(%q) err = %v; want closest %q", tc.in, err, tc.closest)
			}
			// Every valid name is listed; a suggestion only when there is one.
			msg := err.Error()
			if !strings.Contains(msg, strings.Join(ReleaseNames(), ", ")) || strings.Contains(msg, "did you mean") != (tc.closest != "") {
				t.Fatalf("LookupRelease(%q) err = %q", tc.in, msg)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	rs := Releases()
	if len(rs) != 7 || rs[0].Name != DefaultRelease {
		t.Fatalf("releases = %v", ReleaseNames())
	}
	for _, r := range rs {
		if want := "https://files.grouplens.org/datasets/movielens/" + r.Name + ".zip"; r.URL("") != want {
			t.Errorf("%s URL = %s, want %s", r.Name, r.URL(""), want)
		}
		if r.SHA256 != "" && (len(r.SHA256) != 64 || !isHexString(r.SHA256)) {
			t.Errorf("%s: bad sha256 %q", r.Name, r.SHA256)
		}
		if r.MD5 != "" && (len(r.MD5) != 32 || !isHexString(r.MD5)) {
			t.Errorf("%s: bad md5 %q", r.Name, r.MD5)
		}
		if len(r.Required) == 0 || r.Source == "" {
			t.Errorf("%s: no required files or source", r.Name)
		}
	}
	if r, _ := LookupRelease("ml-10m"); r.Folder != "ml-10M100K" {
		t.Errorf("ml-10m folder = %q", r.Folder)
	}
}

func ExampleLookupRelease() {
	_, err := LookupRelease("ml-100")
	fmt.Println(err)
	// Output: unknown dataset "ml-100" (known: ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest-small); did you mean "ml-100k"?
}

// ExampleFetch places the copy of ml-100k kept beside the repository in
// data/raw/ml-100k, checking it against the SHA256SUMS next to it.
func ExampleFetch() {
	res, err := Fetch(context.Background(), FetchOptions{
		Dataset:  "ml-100k",
		From:     "../shared/datasets/ml-100k",
		Dest:     "data/raw",
		Progress: os.Stderr,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Dir, res.Verified)
}
