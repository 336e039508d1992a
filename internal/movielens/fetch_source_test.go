package movielens

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// symlinkOrSkip makes link point at target, skipping the test where the
// file system or platform does not allow symlinks.
func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make symlinks here: %v", err)
	}
}

// writeSums writes a SHA256SUMS at path listing files (name -> content)
// under prefix.
func writeSums(t *testing.T, path, prefix string, files map[string]string) {
	t.Helper()
	var b strings.Builder
	for _, name := range sortedNames(files) {
		fmt.Fprintf(&b, "%x  %s%s\n", sha256.Sum256([]byte(files[name])), prefix, name)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFetchFromFolderRefusesSymlinks(t *testing.T) {
	rel := &Release{Name: "ml-test", Folder: "ml-test", Required: []string{"movies.csv", "ratings.csv"}}
	const secret = "root:x:0:0:secret\n"
	tests := []struct {
		name string
		sums bool
		// setup adds links; it gets the parent folder, the release folder
		// and a folder outside both holding the file "secret".
		setup func(t *testing.T, base, folder, outside string)
		// from is the --from path relative to base ("" is the release folder).
		from    string
		wantErr string // "" means the fetch must succeed
	}{
		{
			name: "link to a file outside, no SHA256SUMS",
			setup: func(t *testing.T, base, folder, outside string) {
				symlinkOrSkip(t, filepath.Join(outside, "secret"), filepath.Join(folder, "extra"))
			},
			wantErr: "ml-test/extra is a symlink",
		},
		{
			name: "link to a file outside, with SHA256SUMS",
			sums: true,
			setup: func(t *testing.T, base, folder, outside string) {
				symlinkOrSkip(t, filepath.Join(outside, "secret"), filepath.Join(folder, "extra"))
			},
			wantErr: "ml-test/extra is a symlink",
		},
		{
			name: "required file is a link outside",
			setup: func(t *testing.T, base, folder, outside string) {
				os.Remove(filepath.Join(folder, "movies.csv"))
				symlinkOrSkip(t, filepath.Join(outside, "secret"), filepath.Join(folder, "movies.csv"))
			},
			wantErr: "ml-test/movies.csv is a symlink",
		},
		{
			name: "link to a file inside",
			sums: true,
			setup: func(t *testing.T, base, folder, outside string) {
				symlinkOrSkip(t, "ratings.csv", filepath.Join(folder, "ratings-copy.csv"))
			},
			wantErr: "ratings-copy.csv is a symlink",
		},
		{
			name: "link to a folder outside",
			setup: func(t *testing.T, base, folder, outside string) {
				symlinkOrSkip(t, outside, filepath.Join(folder, "more"))
			},
			wantErr: "ml-test/more is a symlink",
		},
		{
			name: "SHA256SUMS inside is a link",
			setup: func(t *testing.T, base, folder, outside string) {
				symlinkOrSkip(t, filepath.Join(outside, "secret"), filepath.Join(folder, "SHA256SUMS"))
			},
			wantErr: "ml-test/SHA256SUMS is a symlink",
		},
		{
			name: "release folder in the parent is a link",
			from: ".",
			setup: func(t *testing.T, base, folder, outside string) {
				real := filepath.Join(outside, "real")
				if err := os.Rename(folder, real); err != nil {
					t.Fatal(err)
				}
				symlinkOrSkip(t, real, folder)
			},
			wantErr: "ml-test is a symlink",
		},
		{
			name: "--from itself is a link",
			sums: false,
			from: "via-link",
			setup: func(t *testing.T, base, folder, outside string) {
				symlinkOrSkip(t, folder, filepath.Join(base, "via-link"))
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, folder := writeTestFolder(t, tc.sums)
			outside := t.TempDir()
			if err := os.WriteFile(filepath.Join(outside, "secret"), []byte(secret), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, base, folder, outside)
			from := folder
			if tc.from != "" {
				from = filepath.Join(base, tc.from)
			}
			dest := t.TempDir()
			res, err := Fetch(context.Background(), FetchOptions{From: from, Dest: dest, Release: rel})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				assertDirHolds(t, res.Dir, "README.txt", "movies.csv", "ratings.csv", FetchManifest)
				return
			}
			if err == nil || !strings.Contains(filepath.ToSlash(err.Error()), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
			assertDirHolds(t, dest) // nothing copied, nothing left behind
		})
	}
}

func TestFetchFromFolderChecksumListPolicy(t *testing.T) {
	rel := &Release{Name: "ml-test", Folder: "ml-test", Required: []string{"movies.csv", "ratings.csv"}}
	release := []string{"README.txt", "movies.csv", "ratings.csv", FetchManifest}
	tests := []struct {
		name  string
		setup func(t *testing.T, base, folder string)
		// want*: the files in the release folder, the entries skipped,
		// whether it is verified and a regular expression per warning.
		want         []string
		wantSkipped  []string
		wantVerified bool
		wantWarnings []string
		wantErr      func(t *testing.T, err error, base, folder string)
	}{
		{
			name: "listed file missing",
			setup: func(t *testing.T, base, folder string) {
				os.Remove(filepath.Join(folder, "README.txt"))
			},
			wantErr: func(t *testing.T, err error, base, folder string) {
				var me *MissingFilesError
				sums := filepath.Join(base, "SHA256SUMS")
				if !errors.As(err, &me) || !slices.Equal(me.Missing, []string{"README.txt"}) || me.ListedIn != sums {
					t.Fatalf("err = %v, want README.txt missing, listed in %s", err, sums)
				}
				want := fmt.Sprintf("%s is incomplete: missing README.txt, which %s lists", folder, sums)
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want it to contain %q", err, want)
				}
			},
		},
		{
			name: "listed file missing, list inside",
			setup: func(t *testing.T, base, folder string) {
				os.Remove(filepath.Join(base, "SHA256SUMS"))
				writeSums(t, filepath.Join(folder, "SHA256SUMS"), "", fetchTestFiles)
				os.Remove(filepath.Join(folder, "README.txt"))
			},
			wantErr: func(t *testing.T, err error, base, folder string) {
				var me *MissingFilesError
				if !errors.As(err, &me) || me.ListedIn != filepath.Join(folder, "SHA256SUMS") {
					t.Fatalf("err = %v, want README.txt missing, listed in the folder's SHA256SUMS", err)
				}
			},
		},
		{
			name: "required file not listed",
			setup: func(t *testing.T, base, folder string) {
				writeSums(t, filepath.Join(base, "SHA256SUMS"), "ml-test/", map[string]string{
					"movies.csv": fetchTestFiles["movies.csv"], "README.txt": fetchTestFiles["README.txt"],
				})
			},
			wantErr: func(t *testing.T, err error, base, folder string) {
				if err == nil || !strings.Contains(err.Error(), "does not list ratings.csv, which ml-test needs") {
					t.Fatalf("err = %v, want SHA256SUMS not listing ratings.csv", err)
				}
			},
		},
		{
			name: "unlisted file skipped",
			setup: func(t *testing.T, base, folder string) {
				os.WriteFile(filepath.Join(folder, "extra.txt"), []byte("not in the release\n"), 0o644)
			},
			want: release, wantSkipped: []string{"extra.txt"}, wantVerified: true,
			wantWarnings: []string{`^skipping .*extra\.txt: .*SHA256SUMS does not list it, so it cannot be verified$`},
		},
		{
			name: "unlisted file and subfolder skipped, list inside",
			setup: func(t *testing.T, base, folder string) {
				os.Remove(filepath.Join(base, "SHA256SUMS"))
				writeSums(t, filepath.Join(folder, "SHA256SUMS"), "", fetchTestFiles)
				os.WriteFile(filepath.Join(folder, "extra.txt"), []byte("x"), 0o644)
				os.Mkdir(filepath.Join(folder, "sub"), 0o755)
				os.WriteFile(filepath.Join(folder, "sub", "x.txt"), []byte("x"), 0o644)
			},
			want: release, wantSkipped: []string{"extra.txt", "sub/"}, wantVerified: true,
			wantWarnings: []string{
				`^skipping subfolder .*sub: only the files directly in the release folder are fetched$`,
				`^skipping .*extra\.txt: .*SHA256SUMS does not list it`,
			},
		},
		{
			name: "without a list everything is copied unverified",
			setup: func(t *testing.T, base, folder string) {
				os.Remove(filepath.Join(base, "SHA256SUMS"))
				os.WriteFile(filepath.Join(folder, "extra.txt"), []byte("x"), 0o644)
			},
			want:         append(slices.Clone(release), "extra.txt"),
			wantWarnings: []string{`^no SHA256SUMS in or beside .*; files copied unverified$`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, folder := writeTestFolder(t, true)
			tc.setup(t, base, folder)
			dest := t.TempDir()
			res, err := Fetch(context.Background(), FetchOptions{From: folder, Dest: dest, Release: rel})
			if tc.wantErr != nil {
				tc.wantErr(t, err, base, folder)
				assertDirHolds(t, dest)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertDirHolds(t, res.Dir, tc.want...)
			if res.Verified != tc.wantVerified || !slices.Equal(res.Skipped, tc.wantSkipped) {
				t.Errorf("verified = %v, skipped = %q; want %v, %q", res.Verified, res.Skipped, tc.wantVerified, tc.wantSkipped)
			}
			if len(res.Warnings) != len(tc.wantWarnings) {
				t.Fatalf("warnings = %q, want %d", res.Warnings, len(tc.wantWarnings))
			}
			for _, w := range tc.wantWarnings {
				re := regexp.MustCompile(w)
				if !slices.ContainsFunc(res.Warnings, re.MatchString) {
					t.Errorf("warnings = %q, want one matching %q", res.Warnings, w)
				}
			}
		})
	}
}

func TestFetchZipLayout(t *testing.T) {
	rel := &Release{Name: "ml-test", Folder: "ml-test", Required: []string{"movies.csv", "ratings.csv"}}
	entries := func(prefix string, extra ...zipEntryT) []zipEntryT {
		var es []zipEntryT
		for _, name := range sortedNames(fetchTestFiles) {
			es = append(es, zipEntryT{name: prefix + name, body: fetchTestFiles[name]})
		}
		return append(es, extra...)
	}
	release := []string{"README.txt", "movies.csv", "ratings.csv", FetchManifest}
	tests := []struct {
		name        string
		entries     []zipEntryT
		wantSkipped []string
		wantWarning string // substring of the one warning beyond "not the published"
		wantErr     string // substring of the error, with "ZIP" for the zip's path
		wantDir     string // MissingFilesError.Dir
	}{
		{name: "release folder", entries: entries("ml-test/")},
		{
			name:        "subfolder in the release folder",
			entries:     entries("ml-test/", zipEntryT{name: "ml-test/sub/x.txt", body: "x"}),
			wantSkipped: []string{"sub/"}, wantWarning: "skipping ml-test/sub/ in ZIP",
		},
		{
			name:        "files at the top and a folder beside them",
			entries:     entries("", zipEntryT{name: "__MACOSX/._movies.csv", body: "x"}),
			wantSkipped: []string{"__MACOSX/"}, wantWarning: "skipping __MACOSX/ in ZIP",
		},
		{
			name:    "release folder nested two deep",
			entries: entries("a/b/ml-test/"),
			wantErr: "folder a/ in ZIP is not a ml-test folder: missing movies.csv, ratings.csv (found: b/)",
			wantDir: "a",
		},
		{
			name:    "wrong files at the top",
			entries: []zipEntryT{{name: "u.data", body: "1\t1\t4\t1\n"}, {name: "docs/readme", body: "x"}},
			wantErr: "the top level of ZIP is not a ml-test folder: missing movies.csv, ratings.csv (found: docs/, u.data)",
			wantDir: ".",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			zipPath := filepath.Join(t.TempDir(), "copy.zip")
			if err := os.WriteFile(zipPath, buildFetchZip(t, tc.entries...), 0o644); err != nil {
				t.Fatal(err)
			}
			dest := t.TempDir()
			res, err := Fetch(context.Background(), FetchOptions{From: zipPath, Dest: dest, Release: rel})
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "ZIP", zipPath)
				var me *MissingFilesError
				if !errors.As(err, &me) || me.Dir != tc.wantDir || me.Archive != zipPath || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want a MissingFilesError containing %q", err, want)
				}
				assertDirHolds(t, dest)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertDirHolds(t, res.Dir, release...)
			if !slices.Equal(res.Skipped, tc.wantSkipped) {
				t.Errorf("skipped = %q, want %q", res.Skipped, tc.wantSkipped)
			}
			// The zip is unpinned, so one warning says so.
			wantWarnings := 1
			if tc.wantWarning != "" {
				wantWarnings++
				want := strings.ReplaceAll(tc.wantWarning, "ZIP", zipPath)
				if !slices.ContainsFunc(res.Warnings, func(s string) bool { return strings.Contains(s, want) }) {
					t.Errorf("warnings = %q, want one containing %q", res.Warnings, want)
				}
			}
			if len(res.Warnings) != wantWarnings {
				t.Errorf("warnings = %q, want %d", res.Warnings, wantWarnings)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"latest", "latest", 0},
		{"latset", "latest", 1}, // neighbouring swap
		{"lastest", "latest", 1},
		{"100", "100k", 1},
		{"foo", "1m", 3},
		{"ab", "ba", 1},
		{"abc", "ca", 3}, // optimal string alignment, not full Damerau
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

// FuzzParseSums feeds hostile SHA256SUMS files to the parser fromFolder
// and verifyManifest use.
func FuzzParseSums(f *testing.F) {
	f.Add("4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52  ml-100k/README\n", "ml-100k/")
	f.Add("# comment\n\n"+strings.Repeat("a", 64)+" *./u.data\r\n", "")
	f.Add(strings.Repeat("A", 64)+"  ml-100k/../../etc/passwd\n", "ml-100k/")
	f.Add(strings.Repeat("0", 64)+"  ml-100k/\n", "ml-100k/")
	f.Add("zz  x\n", "")
	f.Fuzz(func(t *testing.T, data, prefix string) {
		sums, err := parseSumsFrom(strings.NewReader(data), "SHA256SUMS", prefix)
		if err != nil {
			if !strings.Contains(err.Error(), "SHA256SUMS") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for name, sum := range sums {
			if name == "" || strings.Contains(name, "/") {
				t.Fatalf("name %q is not a plain file name", name)
			}
			if len(sum) != 64 || !isHexString(sum) || sum != strings.ToLower(sum) {
				t.Fatalf("sum %q for %q is not lower-case sha256 hex", sum, name)
			}
		}
	})
}

// FuzzClosestName checks that a suggestion is always a known name, and one
// close to the input.
func FuzzClosestName(f *testing.F) {
	for _, s := range []string{"foo", "ml-latest", "ml-100", "ml-lastest-small", "ml100k", "", "ml-", "\xff"} {
		f.Add(s)
	}
	known := ReleaseNames()
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return
		}
		key := strings.ToLower(strings.TrimSpace(s))
		got := closestName(key, known)
		if got == "" {
			return
		}
		if !slices.Contains(known, got) {
			t.Fatalf("closestName(%q) = %q, not a known name", key, got)
		}
		core, gotCore := trimReleasePrefix(key), trimReleasePrefix(got)
		if !strings.HasPrefix(gotCore, core) && min(editDistance(core, gotCore), editDistance(key, got)) > 2 {
			t.Fatalf("closestName(%q) = %q, which is neither an extension nor a near typo", key, got)
		}
	})
}
