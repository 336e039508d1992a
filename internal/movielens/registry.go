package movielens

import (
	"fmt"
	"strings"
)

// DefaultRelease is the release `genie data fetch` uses when none is named.
const DefaultRelease = "ml-100k"

// DefaultBaseURL is where GroupLens publishes the release zips.
const DefaultBaseURL = "https://files.grouplens.org/datasets/movielens"

// Release describes one published MovieLens zip: where it lives, what it
// contains and the size and checksums pinned for it.
//
// An empty SHA256 or MD5 means no public source for that checksum was found;
// a zero Size means the size is not pinned. A release with neither checksum
// is fetched with a warning that prints the digest it got, so it can be
// pinned later.
type Release struct {
	// Name is the release name GroupLens uses, e.g. "ml-100k".
	Name string
	// Zip is the archive's file name under the base URL, e.g. "ml-10m.zip".
	Zip string
	// Folder is the top-level folder inside the zip, e.g. "ml-10M100K".
	Folder string
	// Size is the zip's length in bytes, 0 when not pinned.
	Size int64
	// SHA256 is the zip's lowercase hex SHA-256, "" when not pinned.
	SHA256 string
	// MD5 is the zip's lowercase hex MD5 (GroupLens publishes <zip>.md5).
	MD5 string
	// Required are the files a usable copy of the release must contain.
	Required []string
	// Source says where Size, SHA256 and MD5 were taken from.
	Source string
}

// URL is the release's download address under baseURL (DefaultBaseURL when
// baseURL is empty).
func (r Release) URL(baseURL string) string {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return strings.TrimRight(baseURL, "/") + "/" + r.Zip
}

// Pinned reports whether the release has at least one pinned checksum.
func (r Release) Pinned() bool { return r.SHA256 != "" || r.MD5 != "" }

// Checksum sources, quoted in Release.Source.
const (
	srcTFDS = "size and sha256: tensorflow/datasets tensorflow_datasets/url_checksums/movielens.txt " +
		"(commit 1c076ac3c19c8ea83e1d1a75e0623c9a699e0d7c); " +
		"md5: GroupLens <zip>.md5 as quoted in eli-osherovich/papers_with_code datasets/movielens/dl_config.py"
	srcTFDSOnly = "size and sha256: tensorflow/datasets tensorflow_datasets/url_checksums/movielens.txt " +
		"(commit 1c076ac3c19c8ea83e1d1a75e0623c9a699e0d7c); no published md5 found"
	src10M = "md5: GroupLens ml-10m.zip.md5 as quoted in eli-osherovich/papers_with_code " +
		"datasets/movielens/dl_config.py and other public dataset tables; size 65566137 and sha256 " +
		"from a public research harness that pins them next to the same md5 (found by code search; " +
		"not in tensorflow_datasets)"
	src32M = "no public source with a size or checksum for ml-32m.zip was found; " +
		"the zip is accepted with a warning that prints its sha256"
)

var (
	csvRequired  = []string{"movies.csv", "ratings.csv", "links.csv", "tags.csv"}
	releaseTable = []Release{
		{
			Name: "ml-100k", Zip: "ml-100k.zip", Folder: "ml-100k",
			Size:     4924029,
			SHA256:   "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
			MD5:      "0e33842e24a9c977be4e0107933c0723",
			Required: []string{"u.data", "u.item", "u.user", "u.genre", "u.occupation"},
			Source:   srcTFDS,
		},
		{
			Name: "ml-1m", Zip: "ml-1m.zip", Folder: "ml-1m",
			Size:     5917549,
			SHA256:   "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
			MD5:      "c4d9eecfca2ab87c1945afe126590906",
			Required: []string{"movies.dat", "ratings.dat", "users.dat"},
			Source:   srcTFDS,
		},
		{
			Name: "ml-10m", Zip: "ml-10m.zip", Folder: "ml-10M100K",
			Size:     65566137,
			SHA256:   "813c411ccb6122564edfe752e7f80c4dcc5aa25fa94c93622f6877a7ba252862",
			MD5:      "ce571fd55effeba0271552578f2648bd",
			Required: []string{"movies.dat", "ratings.dat", "tags.dat"},
			Source:   src10M,
		},
		{
			Name: "ml-20m", Zip: "ml-20m.zip", Folder: "ml-20m",
			Size:     198702078,
			SHA256:   "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3",
			MD5:      "cd245b17a1ae2cc31bb14903e1204af3",
			Required: csvRequired,
			Source:   srcTFDS,
		},
		{
			Name: "ml-25m", Zip: "ml-25m.zip", Folder: "ml-25m",
			Size:     261978986,
			SHA256:   "8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa",
			MD5:      "6b51fb2759a8657d3bfcbfc42b592ada",
			Required: csvRequired,
			Source:   srcTFDS,
		},
		{
			Name: "ml-32m", Zip: "ml-32m.zip", Folder: "ml-32m",
			Required: csvRequired,
			Source:   src32M,
		},
		{
			Name: "ml-latest-small", Zip: "ml-latest-small.zip", Folder: "ml-latest-small",
			Size:     978202,
			SHA256:   "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
			Required: csvRequired,
			Source:   srcTFDSOnly,
		},
	}
)

// Releases returns every known release, in the order of the table above
// (smallest first, ml-latest-small last). The slice is a copy.
func Releases() []Release {
	out := make([]Release, len(releaseTable))
	for i, r := range releaseTable {
		r.Required = append([]string(nil), r.Required...)
		out[i] = r
	}
	return out
}

// ReleaseNames returns the names of the known releases.
func ReleaseNames() []string {
	out := make([]string, len(releaseTable))
	for i, r := range releaseTable {
		out[i] = r.Name
	}
	return out
}

// LookupRelease returns the release called name (case-insensitive; the
// "ml-" prefix may be left off, and the folder name inside the zip, such as
// "ml-10M100K", is accepted too). An unknown name gives an
// *UnknownReleaseError that lists the known names and, when name looks like
// a typo of one of them, that one.
func LookupRelease(name string) (Release, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	for _, r := range Releases() {
		if key == r.Name || "ml-"+key == r.Name || key == strings.ToLower(r.Folder) {
			return r, nil
		}
	}
	known := ReleaseNames()
	return Release{}, &UnknownReleaseError{Name: name, Known: known, Closest: closestName(key, known)}
}

// UnknownReleaseError reports a release name that is not in the registry.
type UnknownReleaseError struct {
	Name    string
	Known   []string
	Closest string // the known name Name is plausibly a typo of, "" if none
}

// Error reads like `unknown dataset "ml-100" (known: ml-100k, ...); did you
// mean "ml-100k"?`.
func (e *UnknownReleaseError) Error() string {
	msg := fmt.Sprintf("unknown dataset %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
	if e.Closest != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Closest)
	}
	return msg
}

// closestName returns the candidate that s is plausibly a typo of, or ""
// when no single candidate is (the error lists every name anyway).
//
// Names are compared with and without a leading "ml-" ("ml", "ml_",
// "movielens-" and "movielens" count as that prefix too, so "ml100k" is read
// as "100k"). A candidate is plausible when s is the start of it and of no
// other candidate ("ml-latest" for "ml-latest-small"), or when s is at most
// one edit away from it (two for candidates longer than five characters
// without the prefix), a swap of two neighbouring characters counting as one
// edit. A tie between candidates, or an input shorter than two characters
// without the prefix, gives no suggestion: "foo" is not a typo of "ml-1m".
func closestName(s string, candidates []string) string {
	core := trimReleasePrefix(s)
	if len(core) < 2 {
		return ""
	}
	var prefixed []string
	best, bestD, tie := "", -1, false
	for _, c := range candidates {
		cc := trimReleasePrefix(c)
		if strings.HasPrefix(cc, core) {
			prefixed = append(prefixed, c)
		}
		d := min(editDistance(core, cc), editDistance(s, c))
		limit := 1
		if len(cc) > 5 {
			limit = 2
		}
		switch {
		case d > limit:
		case bestD < 0 || d < bestD:
			best, bestD, tie = c, d, false
		case d == bestD:
			tie = true
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	if bestD < 0 || tie {
		return ""
	}
	return best
}

// trimReleasePrefix cuts a leading "ml-" (or a sloppy variant of it) off a
// lower-case release name.
func trimReleasePrefix(s string) string {
	for _, p := range []string{"movielens-", "movielens", "ml-", "ml_", "ml"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest
		}
	}
	return s
}

// editDistance is the optimal-string-alignment distance between a and b, in
// bytes: insertions, deletions, substitutions and swaps of two neighbouring
// bytes each count as one edit.
func editDistance(a, b string) int {
	// rows[i%3] is row i of the dynamic-programming table.
	var rows [3][]int
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur, prev, prev2 := rows[i%3], rows[(i-1)%3], rows[(i+1)%3]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
	}
	return rows[len(a)%3][len(b)]
}
