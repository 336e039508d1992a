package movielens

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/moviegenie/genie/internal/download"
)

// DefaultRawDir is where fetched releases go unless FetchOptions.Dest says
// otherwise: <DefaultRawDir>/<release name>/.
const DefaultRawDir = "data/raw"

// FetchManifest is the file Fetch writes inside each release folder: the
// SHA-256 of every file it placed there, in sha256sum format, plus comment
// lines naming the release and its source. A later Fetch checks the folder
// against it and does nothing when everything matches.
const FetchManifest = ".genie-fetch.sha256"

// maxUnpinnedDownload caps a download whose size is not pinned.
const maxUnpinnedDownload = 4 << 30

// FetchOptions says which release to fetch, from where and to where. The
// zero value fetches ml-100k from GroupLens into data/raw/ml-100k.
type FetchOptions struct {
	// Dataset is a release name (see Releases); "" means DefaultRelease.
	Dataset string
	// From is a local folder or zip to use instead of downloading. A folder
	// is copied, its files checked against a SHA256SUMS file inside it or
	// beside it when there is one: every file that list names must be there
	// and match, and files it does not name are left out with a warning. A
	// symlink inside the folder is an error, never followed. A zip is
	// verified like a download when it carries the release's zip name (e.g.
	// ml-100k.zip), else extracted with a warning unless its checksum
	// matches the pinned one anyway. Either way only the files directly in
	// the release folder are kept; subfolders are left out with a warning.
	From string
	// Dest is the parent folder of the release folder; "" means DefaultRawDir.
	Dest string
	// BaseURL replaces DefaultBaseURL (mirrors, tests). Only https URLs are
	// downloaded.
	BaseURL string
	// HTTPClient makes the download request; nil means a client that waits
	// at most a minute for the response headers.
	HTTPClient *http.Client
	// Progress receives progress and warnings; nil means silent. The bar
	// animates only when Progress is a terminal.
	Progress io.Writer
	// Release, when set, is used instead of looking Dataset up in the
	// registry (a test zip, a new release not in the table yet).
	Release *Release
	// Limits bound extraction; zero fields take the defaults.
	Limits ExtractLimits
	// Force replaces an existing release folder that fails verification
	// instead of returning an error.
	Force bool
}

// FetchResult describes what Fetch did.
type FetchResult struct {
	Release Release
	// Dir is the release folder, <Dest>/<Release.Name>.
	Dir string
	// Source is the URL or local path the data came from.
	Source string
	// AlreadyPresent is true when Dir already held a verified copy and
	// nothing was done.
	AlreadyPresent bool
	// Verified is true when the source matched a pinned checksum or a
	// SHA256SUMS file.
	Verified bool
	// Files are the files in Dir, sorted, without FetchManifest.
	Files []string
	// Skipped are the source's entries left out of Dir, each with a
	// warning: files a SHA256SUMS does not list and subfolders (their
	// paths end in "/"), relative to the release folder, sorted.
	Skipped []string
	// Warnings are the warnings also written to Progress.
	Warnings []string
}

// ChecksumError reports a size or digest that differs from the pinned one.
type ChecksumError struct {
	File     string
	Kind     string // "size", "sha256" or "md5"
	Expected string
	Got      string
}

// Error reads like "ml-100k.zip: sha256 mismatch: expected 50d2…, got 9f1c…".
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: %s mismatch: expected %s, got %s", e.File, e.Kind, e.Expected, e.Got)
}

// MissingFilesError reports a folder that lacks files a release needs, or
// files its checksum list names.
type MissingFilesError struct {
	Release string
	// Dir is the folder looked at: a path on disk or, with Archive set, the
	// folder's slash-separated path inside the archive ("." for its top).
	Dir string
	// Archive is the zip (path or URL) Dir is in, "" for a folder on disk.
	Archive string
	// ListedIn is the checksum list (SHA256SUMS) that names the missing
	// files; "" when they are missing because the release needs them.
	ListedIn string
	Missing  []string
	// Found are the entries in Dir; folders end in "/".
	Found []string
	// LooksLike names another release whose files the folder does have.
	LooksLike string
}

// Error lists what is missing and what was found instead. It reads like
// "folder a/ in x.zip is not a ml-100k folder: missing u.data (found: b/)"
// or "data/ml-100k is incomplete: missing u1.base, which data/SHA256SUMS
// lists".
func (e *MissingFilesError) Error() string {
	where := e.Dir
	switch {
	case e.Archive == "":
	case e.Dir == "" || e.Dir == ".":
		where = "the top level of " + e.Archive
	default:
		where = fmt.Sprintf("folder %s/ in %s", e.Dir, e.Archive)
	}
	if e.ListedIn != "" {
		return fmt.Sprintf("%s is incomplete: missing %s, which %s lists; restore the files or fetch the release zip",
			where, strings.Join(e.Missing, ", "), e.ListedIn)
	}
	msg := fmt.Sprintf("%s is not a %s folder: missing %s", where, e.Release, strings.Join(e.Missing, ", "))
	if len(e.Found) > 0 {
		found := e.Found
		if len(found) > 8 {
			found = append(found[:8:8], "…")
		}
		msg += fmt.Sprintf(" (found: %s)", strings.Join(found, ", "))
	} else {
		msg += " (the folder is empty)"
	}
	if e.LooksLike != "" {
		msg += fmt.Sprintf("; it looks like %s", e.LooksLike)
	}
	return msg
}

// Fetch places a verified copy of a MovieLens release at
// <Dest>/<release name>/: downloaded from GroupLens over HTTPS (or taken from
// opts.From), checked against the pinned size and checksums, and extracted
// safely (see ExtractZip). All work happens in a temporary folder inside
// Dest that is renamed into place at the end, so a failed or cancelled
// fetch leaves Dest as it was. When the folder already exists and matches
// its FetchManifest, Fetch does nothing.
func Fetch(ctx context.Context, opts FetchOptions) (*FetchResult, error) {
	rel, err := resolveRelease(opts)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	f := &fetcher{opts: opts, rel: rel, res: &FetchResult{Release: rel}}
	if err := f.run(ctx); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rel.Name, err)
	}
	return f.res, nil
}

func resolveRelease(opts FetchOptions) (Release, error) {
	if opts.Release != nil {
		r := *opts.Release
		if r.Name == "" || r.Name != filepath.Base(r.Name) || r.Name == "." || r.Name == ".." {
			return Release{}, fmt.Errorf("release name %q is not a plain folder name", r.Name)
		}
		if r.Folder == "" {
			r.Folder = r.Name
		}
		if r.Zip == "" {
			r.Zip = r.Name + ".zip"
		}
		return r, nil
	}
	name := opts.Dataset
	if name == "" {
		name = DefaultRelease
	}
	return LookupRelease(name)
}

// fetcher carries one Fetch call's state.
type fetcher struct {
	opts FetchOptions
	rel  Release
	res  *FetchResult
}

func (f *fetcher) logf(format string, args ...any) {
	if f.opts.Progress != nil {
		fmt.Fprintf(f.opts.Progress, format+"\n", args...)
	}
}

func (f *fetcher) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.res.Warnings = append(f.res.Warnings, msg)
	f.logf("warning: %s", msg)
}

func (f *fetcher) run(ctx context.Context) error {
	dest := f.opts.Dest
	if dest == "" {
		dest = DefaultRawDir
	}
	final := filepath.Join(dest, f.rel.Name)
	f.res.Dir = final

	existing, err := os.Stat(final)
	switch {
	case err == nil && !existing.IsDir():
		return fmt.Errorf("%s exists and is not a folder", final)
	case err == nil:
		files, verr := verifyManifest(ctx, final, f.rel)
		if verr == nil {
			f.res.AlreadyPresent, f.res.Verified, f.res.Files = true, true, files
			f.res.Source = final
			f.logf("%s is already present and verified at %s", f.rel.Name, final)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !f.opts.Force {
			return fmt.Errorf("%s already exists but does not verify (%w); remove it or fetch again with --force", final, verr)
		}
		f.warnf("replacing %s: %v", final, verr)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}

	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dest, "."+f.rel.Name+".fetch-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	unpacked := filepath.Join(tmp, "unpacked")
	if err := os.Mkdir(unpacked, 0o755); err != nil {
		return err
	}

	var root string
	switch {
	case f.opts.From == "":
		root, err = f.fromDownload(ctx, tmp, unpacked)
	default:
		var info fs.FileInfo
		info, err = os.Stat(f.opts.From)
		switch {
		case err != nil:
			err = fmt.Errorf("--from: %w", err)
		case info.IsDir():
			root, err = f.fromFolder(ctx, unpacked)
		default:
			root, err = f.fromZip(ctx, unpacked)
		}
	}
	if err != nil {
		return err
	}
	if err := checkRequired(root, f.rel, f.res.Source); err != nil {
		return err
	}
	files, err := writeManifest(ctx, root, f.rel, f.res.Source)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if existing != nil {
		// Force: move the old copy into tmp (removed with it) first.
		if err := os.Rename(final, filepath.Join(tmp, "old")); err != nil {
			return err
		}
	}
	if err := os.Rename(root, final); err != nil {
		// A concurrent fetch may have finished first; its copy will do.
		if files, verr := verifyManifest(ctx, final, f.rel); verr == nil {
			f.res.AlreadyPresent, f.res.Files = true, files
			return nil
		}
		return fmt.Errorf("move into place: %w", err)
	}
	syncDir(dest)
	f.res.Files = files
	f.logf("%s: %d files in %s", f.rel.Name, len(files), final)
	return nil
}

// fromDownload downloads the release zip into tmp, verifies and extracts it.
func (f *fetcher) fromDownload(ctx context.Context, tmp, unpacked string) (string, error) {
	u := f.rel.URL(f.opts.BaseURL)
	if err := download.CheckURL(u); err != nil {
		return "", err
	}
	f.res.Source = u
	zipPath := filepath.Join(tmp, f.rel.Zip)
	dg, err := f.download(ctx, u, zipPath)
	if err != nil {
		return "", err
	}
	if err := f.verifyZip(f.rel.Zip, dg, true); err != nil {
		return "", err
	}
	return f.extract(ctx, zipPath, unpacked)
}

// fromZip verifies and extracts a local zip.
func (f *fetcher) fromZip(ctx context.Context, unpacked string) (string, error) {
	f.res.Source = f.opts.From
	dg, err := digestFile(ctx, f.opts.From)
	if err != nil {
		return "", fmt.Errorf("--from: %w", err)
	}
	if other, ok := identifyZip(dg, releaseTable); ok && other.Name != f.rel.Name {
		return "", fmt.Errorf("%s is the published %s, not %s: fetch it as %s", f.opts.From, other.Zip, f.rel.Name, other.Name)
	}
	strict := filepath.Base(f.opts.From) == f.rel.Zip
	if err := f.verifyZip(f.opts.From, dg, strict); err != nil {
		return "", err
	}
	return f.extract(ctx, f.opts.From, unpacked)
}

// identifyZip returns the pinned release in table whose size and checksums
// dg matches.
func identifyZip(dg digests, table []Release) (Release, bool) {
	for _, r := range table {
		if r.Pinned() && dg.check("", r) == nil {
			return r, true
		}
	}
	return Release{}, false
}

// verifyZip checks a zip's digests against the release. With strict, any
// mismatch is an error and an unpinned release gives a warning; otherwise
// a mismatch gives a warning.
func (f *fetcher) verifyZip(name string, dg digests, strict bool) error {
	err := dg.check(name, f.rel)
	switch {
	case err == nil && f.rel.Pinned():
		f.res.Verified = true
		f.logf("verified %s: %d bytes, %s", name, dg.size, f.rel.pinnedKinds())
	case err == nil:
		f.warnf("%s has no pinned checksum; got %d bytes, sha256 %s (not verified)", f.rel.Name, dg.size, dg.sha256)
	case strict:
		return err
	default:
		f.warnf("%s is not the published %s (%v); extracting it unverified", name, f.rel.Zip, err)
	}
	return nil
}

func (f *fetcher) extract(ctx context.Context, zipPath, unpacked string) (string, error) {
	zf, err := os.Open(zipPath)
	if err != nil {
		return "", err
	}
	defer zf.Close()
	info, err := zf.Stat()
	if err != nil {
		return "", err
	}
	if _, err := ExtractZip(ctx, zf, info.Size(), unpacked, f.opts.Limits); err != nil {
		return "", fmt.Errorf("extract %s: %w", filepath.Base(zipPath), err)
	}
	root, err := findRoot(unpacked, f.rel)
	if err != nil {
		return "", err
	}
	inside, err := filepath.Rel(unpacked, root)
	if err != nil {
		return "", err
	}
	inside = filepath.ToSlash(inside)
	if err := checkRequired(root, f.rel, inside); err != nil {
		var me *MissingFilesError
		if errors.As(err, &me) {
			me.Archive = f.res.Source
		}
		return "", err
	}
	if err := f.dropSubfolders(root, inside); err != nil {
		return "", err
	}
	return root, f.checkInnerSums(ctx, root)
}

// dropSubfolders removes the folders inside root, the release folder of an
// unpacked zip (at inside, slash-separated, in the archive), warning about
// each. A release's files sit directly in its folder and FetchManifest
// covers only those, so a subfolder would sit in the release unverified and
// a later fetch would not notice it change. Published releases have none.
func (f *fetcher) dropSubfolders(root, inside string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		f.res.Skipped = append(f.res.Skipped, e.Name()+"/")
		f.warnf("skipping %s/ in %s: only the files directly in the release folder are fetched",
			path.Join(inside, e.Name()), f.res.Source)
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return fmt.Errorf("drop subfolder %s: %w", e.Name(), err)
		}
	}
	return nil
}

// innerSums is the per-file MD5 list some releases ship inside the zip
// (ml-32m). It only guards against a damaged unpack: it travels in the same
// archive, so it does not make an unpinned release trusted.
const innerSums = "checksums.txt"

// checkInnerSums checks the files in root against root/checksums.txt when
// there is one. A list that cannot be parsed gives a warning.
func (f *fetcher) checkInnerSums(ctx context.Context, root string) error {
	path := filepath.Join(root, innerSums)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	sums := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var sum, name string
		if rest, ok := strings.CutPrefix(line, "MD5 ("); ok { // BSD md5 output
			n, s, ok := strings.Cut(rest, ") = ")
			name, sum = n, s
			if !ok {
				sum = ""
			}
		} else {
			s, n, _ := strings.Cut(line, " ")
			sum, name = s, strings.TrimLeft(strings.TrimSpace(n), "*")
		}
		if len(sum) != 32 || !isHexString(sum) || name == "" || strings.ContainsAny(name, `/\`) {
			f.warnf("%s: cannot read line %q; per-file checksums not checked", innerSums, line)
			return nil
		}
		sums[name] = strings.ToLower(sum)
	}
	for _, name := range sortedNames(sums) {
		dg, err := digestFile(ctx, filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s lists %s, which is not in the archive", innerSums, name)
		}
		if err != nil {
			return err
		}
		if dg.md5 != sums[name] {
			return &ChecksumError{File: name, Kind: "md5", Expected: sums[name], Got: dg.md5}
		}
	}
	f.logf("checked %d files against the archive's %s", len(sums), innerSums)
	return nil
}

// fromFolder copies a local release folder into unpacked.
//
// Symlinks inside the folder are refused, not followed and not skipped. A
// published release holds only regular files; following a link would copy
// whatever it points at (/etc/passwd, ~/.ssh/id_ed25519) into the release
// folder, from where the pipeline may push it to a shared remote as part of
// the data, and even a link within the folder makes the copy differ from
// what the folder shows. Refusing names the entry, so a tampered or
// hand-assembled folder is noticed rather than silently trimmed. The path
// given as --from is taken as the user wrote it, symlinks included; only
// what is inside it (the release folder found in a parent, its files) is
// not followed. Files are opened through an os.Root on the folder, so an
// entry swapped for a symlink after the check still cannot reach outside it.
//
// With a SHA256SUMS inside or beside the folder the copy is all or nothing:
// every file it lists must be present and match, and it must list the
// release's required files; files it does not list are left out with a
// warning, so everything placed in the release folder is verified. Without
// one, every regular file is copied, unverified. Subfolders are never
// copied.
func (f *fetcher) fromFolder(ctx context.Context, unpacked string) (string, error) {
	src := f.opts.From
	// Accept the parent of the release folder too (../shared/datasets).
	if checkRequired(src, f.rel, src) != nil {
		for _, sub := range []string{f.rel.Name, f.rel.Folder} {
			p := filepath.Join(src, sub)
			info, err := os.Lstat(p)
			if err != nil {
				continue
			}
			if info.Mode()&fs.ModeSymlink != 0 {
				return "", fmt.Errorf("%s is a symlink; fetch does not follow symlinks inside --from: pass the folder it points to", p)
			}
			if info.IsDir() {
				src = p
				break
			}
		}
	}
	f.res.Source = src
	if err := checkRequired(src, f.rel, src); err != nil {
		return "", err
	}
	root, err := os.OpenRoot(src)
	if err != nil {
		return "", fmt.Errorf("--from: %w", err)
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return "", fmt.Errorf("--from: %w", err)
	}
	// Refuse what cannot be copied before copying anything.
	var files []string
	for _, e := range entries {
		name, p := e.Name(), filepath.Join(src, e.Name())
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			return "", fmt.Errorf("%s is a symlink; fetch does not follow symlinks in a release folder: replace it with the file itself", p)
		case t.IsDir():
			f.res.Skipped = append(f.res.Skipped, name+"/")
			f.warnf("skipping subfolder %s: only the files directly in the release folder are fetched", p)
		case !t.IsRegular():
			return "", fmt.Errorf("%s is not a regular file (%v)", p, t)
		case name == FetchManifest || name == "SHA256SUMS":
			// Bookkeeping, not release files: Fetch writes its own manifest.
		default:
			files = append(files, name)
		}
	}
	sums, sumsFile, err := readSums(root, src)
	if err != nil {
		return "", err
	}
	var copied []string
	if sums == nil {
		copied = files
	} else {
		delete(sums, FetchManifest)
		delete(sums, "SHA256SUMS")
		var missing, unlisted []string
		for _, name := range sortedNames(sums) {
			if !slices.Contains(files, name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return "", &MissingFilesError{Release: f.rel.Name, Dir: src, ListedIn: sumsFile, Missing: missing}
		}
		for _, name := range f.rel.Required {
			if _, ok := sums[name]; !ok {
				unlisted = append(unlisted, name)
			}
		}
		if len(unlisted) > 0 {
			return "", fmt.Errorf("%s does not list %s, which %s needs, so it cannot verify %s",
				sumsFile, strings.Join(unlisted, ", "), f.rel.Name, src)
		}
		for _, name := range files {
			if _, ok := sums[name]; ok {
				copied = append(copied, name)
				continue
			}
			f.res.Skipped = append(f.res.Skipped, name)
			f.warnf("skipping %s: %s does not list it, so it cannot be verified", filepath.Join(src, name), sumsFile)
		}
	}
	sort.Strings(f.res.Skipped)
	for _, name := range copied {
		got, err := copyFromRoot(ctx, root, name, filepath.Join(unpacked, name))
		if err != nil {
			return "", fmt.Errorf("copy %s: %w", filepath.Join(src, name), err)
		}
		if sums != nil && got != sums[name] {
			return "", &ChecksumError{File: filepath.Join(src, name), Kind: "sha256", Expected: sums[name], Got: got}
		}
	}
	if err := f.checkInnerSums(ctx, unpacked); err != nil {
		return "", err
	}
	if sums == nil {
		f.warnf("no SHA256SUMS in or beside %s; files copied unverified", src)
		return unpacked, nil
	}
	f.res.Verified = true
	f.logf("verified %d files of %s against %s", len(copied), src, sumsFile)
	return unpacked, nil
}

// download GETs u into path with a progress bar and returns its digests.
func (f *fetcher) download(ctx context.Context, u, path string) (digests, error) {
	resp, err := download.Get(ctx, f.opts.HTTPClient, u, "")
	if err != nil {
		return digests{}, err
	}
	defer resp.Body.Close()
	want := f.rel.Size
	if want > 0 && resp.ContentLength >= 0 && resp.ContentLength != want {
		return digests{}, &ChecksumError{File: u, Kind: "size", Expected: fmt.Sprint(want), Got: fmt.Sprintf("%d (Content-Length)", resp.ContentLength)}
	}
	total := want
	if total == 0 {
		total = resp.ContentLength
	}
	limit := int64(maxUnpinnedDownload)
	if want > 0 {
		limit = want
	}
	out, err := os.Create(path)
	if err != nil {
		return digests{}, err
	}
	defer out.Close()
	f.logf("downloading %s (%s)", u, download.ByteSize(total))
	bar := download.NewTerminalProgress(f.opts.Progress, total, f.rel.Zip)
	h := newHasher()
	n, err := io.Copy(io.MultiWriter(out, h, bar), io.LimitReader(download.ContextReader(ctx, resp.Body), limit+1))
	bar.Finish()
	if err != nil {
		if ctx.Err() != nil {
			return digests{}, ctx.Err()
		}
		return digests{}, fmt.Errorf("download %s: interrupted after %d of %s: %w", u, n, download.ByteSize(total), err)
	}
	if resp.ContentLength >= 0 && n < resp.ContentLength {
		return digests{}, fmt.Errorf("download %s: truncated after %d of %d bytes", u, n, resp.ContentLength)
	}
	if err := out.Close(); err != nil {
		return digests{}, err
	}
	return h.sum(n), nil
}

// digests are a file's length and checksums.
type digests struct {
	size   int64
	sha256 string
	md5    string
}

// check compares d with the release's pinned values; fields not pinned are
// not compared.
func (d digests) check(name string, r Release) error {
	if r.Size > 0 && d.size != r.Size {
		return &ChecksumError{File: name, Kind: "size", Expected: fmt.Sprint(r.Size), Got: fmt.Sprint(d.size)}
	}
	if r.SHA256 != "" && !strings.EqualFold(d.sha256, r.SHA256) {
		return &ChecksumError{File: name, Kind: "sha256", Expected: r.SHA256, Got: d.sha256}
	}
	if r.MD5 != "" && !strings.EqualFold(d.md5, r.MD5) {
		return &ChecksumError{File: name, Kind: "md5", Expected: r.MD5, Got: d.md5}
	}
	return nil
}

func (r Release) pinnedKinds() string {
	var k []string
	if r.Size > 0 {
		k = append(k, "size")
	}
	if r.SHA256 != "" {
		k = append(k, "sha256")
	}
	if r.MD5 != "" {
		k = append(k, "md5")
	}
	return strings.Join(k, ", ") + " match"
}

// hasher computes SHA-256 and MD5 at once.
type hasher struct{ s, m hash.Hash }

func newHasher() *hasher { return &hasher{sha256.New(), md5.New()} }

func (h *hasher) Write(p []byte) (int, error) {
	h.s.Write(p)
	h.m.Write(p)
	return len(p), nil
}

func (h *hasher) sum(n int64) digests {
	return digests{size: n, sha256: hex.EncodeToString(h.s.Sum(nil)), md5: hex.EncodeToString(h.m.Sum(nil))}
}

func digestFile(ctx context.Context, path string) (digests, error) {
	in, err := os.Open(path)
	if err != nil {
		return digests{}, err
	}
	defer in.Close()
	h := newHasher()
	n, err := io.Copy(h, download.ContextReader(ctx, in))
	if err != nil {
		return digests{}, err
	}
	return h.sum(n), nil
}

// copyFromRoot copies the regular file name in root to a new file dst and
// returns the SHA-256 of the data. Opening through root keeps the read
// inside root's folder whatever name has become since it was listed.
func copyFromRoot(ctx context.Context, root *os.Root, name, dst string) (string, error) {
	in, err := root.Open(name)
	if err != nil {
		return "", err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file (%v)", info.Mode().Type())
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, h), download.ContextReader(ctx, in))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sha256File(ctx context.Context, path string) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	h := sha256.New()
	if _, err := io.Copy(h, download.ContextReader(ctx, in)); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readSums finds SHA256SUMS inside dir, opened as root (names relative to
// dir), or beside it (names "<base of dir>/<file>") and returns file name ->
// sha256 and the list's path, or nil when there is none.
func readSums(root *os.Root, dir string) (map[string]string, string, error) {
	inside := filepath.Join(dir, "SHA256SUMS")
	f, err := root.Open("SHA256SUMS")
	if err == nil {
		defer f.Close()
		sums, err := parseSumsFrom(f, inside, "")
		return sums, inside, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	beside := filepath.Join(filepath.Dir(dir), "SHA256SUMS")
	sums, err := parseSums(beside, filepath.Base(dir)+"/")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return sums, beside, nil
}

// parseSums reads sha256sum output, keeping the lines whose name starts with
// prefix (the prefix is cut off) and names no deeper folder.
func parseSums(path, prefix string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseSumsFrom(f, path, prefix)
}

// parseSumsFrom is parseSums on r, which is named path in errors.
func parseSumsFrom(r io.Reader, path, prefix string) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, name, ok := strings.Cut(line, " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		if !ok || len(sum) != 64 || !isHexString(sum) || name == "" {
			return nil, fmt.Errorf("%s:%d: expected \"<sha256>  <file>\", found %q", path, n, line)
		}
		name = strings.TrimPrefix(name, "./")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" || strings.Contains(rest, "/") {
			continue
		}
		sums[rest] = strings.ToLower(sum)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return sums, nil
}

func isHexString(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// findRoot returns the release folder inside an unpacked zip: the release's
// Folder or Name, else a single top-level folder, else unpacked itself.
func findRoot(unpacked string, r Release) (string, error) {
	for _, name := range []string{r.Folder, r.Name} {
		if info, err := os.Stat(filepath.Join(unpacked, name)); err == nil && info.IsDir() {
			return filepath.Join(unpacked, name), nil
		}
	}
	entries, err := os.ReadDir(unpacked)
	if err != nil {
		return "", err
	}
	if len(entries) == 1 && entries[0].IsDir() {
		return filepath.Join(unpacked, entries[0].Name()), nil
	}
	return unpacked, nil
}

// checkRequired reports the release's required files missing from dir;
// shown is the folder name used in the error. A folder does not count as a
// file; it is listed among the entries found with a trailing "/".
func checkRequired(dir string, r Release, shown string) error {
	present := map[string]bool{}
	var found []string
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.Name() == FetchManifest {
			continue
		}
		if e.IsDir() {
			found = append(found, e.Name()+"/")
			continue
		}
		present[e.Name()] = true
		found = append(found, e.Name())
	}
	var missing []string
	for _, name := range r.Required {
		if !present[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	e := &MissingFilesError{Release: r.Name, Dir: shown, Missing: missing, Found: found}
	for _, other := range releaseTable {
		if other.Name == r.Name || len(other.Required) == 0 {
			continue
		}
		all := true
		for _, name := range other.Required {
			all = all && present[name]
		}
		if all {
			e.LooksLike = "a " + other.Name + "-format folder"
			break
		}
	}
	return e
}

// releaseFiles returns the regular files directly in dir, sorted, without
// FetchManifest.
func releaseFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != FetchManifest {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	return files, nil
}

// writeManifest hashes the files directly in dir into dir/FetchManifest
// and returns their names.
func writeManifest(ctx context.Context, dir string, r Release, source string) ([]string, error) {
	files, err := releaseFiles(dir)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# genie data fetch: %s\n# source: %s\n", r.Name, source)
	for _, name := range files {
		sum, err := sha256File(ctx, filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, name)
	}
	if err := os.WriteFile(filepath.Join(dir, FetchManifest), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return files, nil
}

// verifyManifest checks dir against its FetchManifest and the release's
// required files, and returns the files it lists.
func verifyManifest(ctx context.Context, dir string, r Release) ([]string, error) {
	manifest := filepath.Join(dir, FetchManifest)
	sums, err := parseSums(manifest, "")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s in it, so it was not written by a completed fetch", FetchManifest)
	}
	if err != nil {
		return nil, err
	}
	if err := checkRequired(dir, r, dir); err != nil {
		return nil, err
	}
	files := sortedNames(sums)
	for _, name := range files {
		got, err := sha256File(ctx, filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if got != sums[name] {
			return nil, &ChecksumError{File: filepath.Join(dir, name), Kind: "sha256", Expected: sums[name], Got: got}
		}
	}
	return files, nil
}

func sortedNames(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// syncDir flushes a directory's entries to disk; errors are ignored because
// not every file system supports it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
