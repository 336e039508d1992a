// Package pretrained downloads pre-trained text models (sentence-transformers
// ONNX exports and their tokenizers) from Hugging Face into a local folder,
// verifying every file against a pinned size and SHA-256, so that the
// search embedders that read them (internal/search/minilm) never touch the
// network.
//
// Each file is written through a temporary file in the target folder and
// renamed into place only after its size and digest match, so an interrupted
// or failed pull never leaves a partial file under the real name; a second
// pull keeps the files that already verify and fetches the rest.
package pretrained

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moviegenie/genie/internal/download"
)

// DefaultDir is the parent folder of pulled models: a model lands in
// DefaultDir/<name>.
const DefaultDir = "models/pretrained"

// DefaultBaseURL is the Hugging Face hub that files are resolved against:
// <base>/<repo>/resolve/<revision>/<remote path>.
const DefaultBaseURL = "https://huggingface.co"

// File is one file of a model: where it lives in the Hugging Face repository
// and where it goes locally, with its pinned size and digest.
type File struct {
	// Remote is the path inside the repository ("onnx/model.onnx").
	Remote string
	// Local is the file name inside the model folder ("model.onnx").
	Local string
	// Size is the pinned length in bytes; 0 means not pinned.
	Size int64
	// SHA256 is the pinned hex digest; "" means not pinned.
	SHA256 string
}

// Model is a downloadable model.
type Model struct {
	// Name is the folder name and what `genie models pull` takes.
	Name string
	// Aliases are other names accepted for it.
	Aliases []string
	// Repo is the Hugging Face repository ("owner/name").
	Repo string
	// Revision is the branch, tag or commit to resolve files at.
	Revision string
	// Description says what it is, for listings.
	Description string
	// Files are downloaded in order.
	Files []File
}

// Size is the sum of the pinned file sizes.
func (m Model) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// The pins of all-MiniLM-L6-v2: model.onnx's SHA-256 is the Git LFS object
// id Hugging Face publishes for onnx/model.onnx (an LFS oid is the file's
// SHA-256); the small files' digests are those recorded by several
// independent projects that pin the same files. Sizes and digests agree
// across all of them.
var registry = []Model{{
	Name:        "all-MiniLM-L6-v2",
	Aliases:     []string{"minilm", "sentence-transformers/all-MiniLM-L6-v2"},
	Repo:        "sentence-transformers/all-MiniLM-L6-v2",
	Revision:    "main",
	Description: "sentence-transformers all-MiniLM-L6-v2: 6-layer BERT, 384-dim sentence vectors (mean pooling, L2-normalised), Apache-2.0",
	Files: []File{
		{Remote: "onnx/model.onnx", Local: "model.onnx", Size: 90405214,
			SHA256: "6fd5d72fe4589f189f8ebc006442dbb529bb7ce38f8082112682524616046452"},
		{Remote: "tokenizer.json", Local: "tokenizer.json", Size: 466247,
			SHA256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"},
		{Remote: "config.json", Local: "config.json", Size: 612,
			SHA256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"},
	},
}}

// Models lists the models Pull knows, by name.
func Models() []Model {
	out := append([]Model(nil), registry...)
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Names lists the known model names.
func Names() []string {
	var n []string
	for _, m := range Models() {
		n = append(n, m.Name)
	}
	return n
}

// ErrUnknownModel is returned for a name that is not in the registry.
var ErrUnknownModel = errors.New("unknown model")

// Lookup finds a model by name or alias (case-insensitive).
func Lookup(name string) (Model, error) {
	for _, m := range registry {
		if strings.EqualFold(m.Name, name) {
			return m, nil
		}
		for _, a := range m.Aliases {
			if strings.EqualFold(a, name) {
				return m, nil
			}
		}
	}
	return Model{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(Names(), ", "))
}

// ChecksumError reports a file whose size or digest differs from its pin.
type ChecksumError struct {
	File, Kind, Expected, Got string
}

// Error reads like "model.onnx: sha256 mismatch: expected 6fd5…, got 01ab…".
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: %s mismatch: expected %s, got %s", e.File, e.Kind, e.Expected, e.Got)
}

// PullOptions configure Pull. The zero value downloads into DefaultDir from
// DefaultBaseURL.
type PullOptions struct {
	// Dir is the parent folder; the model goes to Dir/<model name>.
	Dir string
	// BaseURL replaces DefaultBaseURL (a mirror, tests). It must be https.
	BaseURL string
	// Revision replaces the model's pinned revision. The pinned digests
	// still apply: a revision whose files differ fails verification.
	Revision string
	// From is a local folder to copy the files from instead of downloading
	// (an existing snapshot of the repository, or a folder laid out like
	// the target). Files are looked up by their remote path, then by their
	// local name, and verified like downloads.
	From string
	// HTTPClient makes the requests; nil means a client that gives up on a
	// server that sends no response headers for a minute.
	HTTPClient *http.Client
	// Progress receives one line per file and a progress bar (animated on
	// a terminal, a line every 10% otherwise); nil means silent.
	Progress io.Writer
	// Force downloads every file again, even those that already verify.
	Force bool
}

// PullResult says what Pull did.
type PullResult struct {
	Model Model
	// Dir is the model folder.
	Dir string
	// Fetched and Kept are the local file names downloaded (or copied) and
	// those that were already present and verified.
	Fetched, Kept []string
	// Bytes is the number of bytes fetched.
	Bytes int64
}

// maxUnpinned caps a file without a pinned size.
const maxUnpinned = 2 << 30

// Pull places a verified copy of the named model's files in
// opts.Dir/<name>/. Files already there that match their pins are kept
// (unless Force); every other file is downloaded over HTTPS (or copied from
// opts.From) into a temporary file, checked against its pinned size and
// SHA-256, and renamed into place.
func Pull(ctx context.Context, name string, opts PullOptions) (*PullResult, error) {
	m, err := Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	return PullModel(ctx, m, opts)
}

// PullModel is Pull for a model description that need not be in the
// registry (tests, a model not listed yet).
func PullModel(ctx context.Context, m Model, opts PullOptions) (*PullResult, error) {
	if m.Name == "" || m.Name != filepath.Base(m.Name) || m.Name == "." || m.Name == ".." {
		return nil, fmt.Errorf("pull: model name %q is not a plain folder name", m.Name)
	}
	if opts.Dir == "" {
		opts.Dir = DefaultDir
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Revision != "" {
		m.Revision = opts.Revision
	}
	if m.Revision == "" {
		m.Revision = "main"
	}
	p := &puller{opts: opts, model: m, res: &PullResult{Model: m, Dir: filepath.Join(opts.Dir, m.Name)}}
	_, statErr := os.Stat(p.res.Dir)
	if err := p.run(ctx); err != nil {
		if errors.Is(statErr, fs.ErrNotExist) {
			os.Remove(p.res.Dir) // the folder this pull made, if nothing landed in it
		}
		return nil, fmt.Errorf("pull %s: %w", m.Name, err)
	}
	return p.res, nil
}

type puller struct {
	opts  PullOptions
	model Model
	res   *PullResult
}

func (p *puller) logf(format string, args ...any) {
	if p.opts.Progress != nil {
		fmt.Fprintf(p.opts.Progress, format+"\n", args...)
	}
}

func (p *puller) run(ctx context.Context) error {
	if err := os.MkdirAll(p.res.Dir, 0o755); err != nil {
		return err
	}
	for _, f := range p.model.Files {
		if f.Local == "" || f.Local != filepath.Base(f.Local) || f.Local == "." || f.Local == ".." {
			return fmt.Errorf("file %q: local name is not a plain file name", f.Local)
		}
		dst := filepath.Join(p.res.Dir, f.Local)
		if !p.opts.Force {
			if err := VerifyFile(ctx, dst, f); err == nil {
				p.res.Kept = append(p.res.Kept, f.Local)
				p.logf("%s: present and verified", f.Local)
				continue
			} else if ctx.Err() != nil {
				return ctx.Err()
			} else if !errors.Is(err, fs.ErrNotExist) {
				p.logf("%s: present but %v; fetching it again", f.Local, err)
			}
		}
		n, err := p.fetch(ctx, f, dst)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Local, err)
		}
		p.res.Fetched = append(p.res.Fetched, f.Local)
		p.res.Bytes += n
	}
	return nil
}

// URL is where a file of the model is downloaded from.
func (m Model) URL(base string, f File) string {
	if base == "" {
		base = DefaultBaseURL
	}
	rev := m.Revision
	if rev == "" {
		rev = "main"
	}
	return strings.TrimRight(base, "/") + "/" + m.Repo + "/resolve/" + url.PathEscape(rev) + "/" + path.Clean(f.Remote)
}

// fetch writes f to dst through a verified temporary file.
func (p *puller) fetch(ctx context.Context, f File, dst string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	defer tmp.Close()
	var src io.ReadCloser
	var length int64 = -1
	var from string
	if p.opts.From != "" {
		src, length, from, err = openLocal(p.opts.From, f)
	} else {
		from = p.model.URL(p.opts.BaseURL, f)
		src, length, err = p.get(ctx, from)
	}
	if err != nil {
		return 0, err
	}
	defer src.Close()
	if f.Size > 0 && length >= 0 && length != f.Size {
		return 0, &ChecksumError{File: f.Local, Kind: "size", Expected: fmt.Sprint(f.Size), Got: fmt.Sprintf("%d (announced by %s)", length, from)}
	}
	total := f.Size
	if total == 0 {
		total = length
	}
	limit := int64(maxUnpinned)
	if f.Size > 0 {
		limit = f.Size
	}
	p.logf("%s: from %s (%s)", f.Local, from, download.ByteSize(total))
	bar := download.NewProgress(p.opts.Progress, total, f.Local)
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h, bar), io.LimitReader(download.ContextReader(ctx, src), limit+1))
	bar.Finish()
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("interrupted after %d of %s: %w", n, download.ByteSize(total), err)
	}
	if length >= 0 && n < length {
		return 0, fmt.Errorf("truncated after %d of %d bytes", n, length)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if err := check(f, n, got); err != nil {
		return 0, err
	}
	if f.SHA256 == "" {
		p.logf("warning: %s has no pinned sha256; got %s (not verified)", f.Local, got)
	}
	if err := tmp.Sync(); err != nil {
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return 0, err
	}
	p.logf("%s: verified (%d bytes, sha256 %s)", f.Local, n, short(got))
	return n, nil
}

// get starts a download; only https URLs are fetched.
func (p *puller) get(ctx context.Context, u string) (io.ReadCloser, int64, error) {
	if err := download.CheckURL(u); err != nil {
		return nil, 0, err
	}
	resp, err := download.Get(ctx, p.opts.HTTPClient, u, "genie-models-pull")
	if err != nil {
		var se *download.StatusError
		if errors.As(err, &se) && (se.StatusCode == http.StatusUnauthorized || se.StatusCode == http.StatusNotFound) {
			return nil, 0, fmt.Errorf("%w (check the model name and --revision)", err)
		}
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

// openLocal opens f inside a local folder: at its remote path, else by its
// local name.
func openLocal(dir string, f File) (io.ReadCloser, int64, string, error) {
	for _, rel := range []string{filepath.FromSlash(f.Remote), f.Local} {
		p := filepath.Join(dir, rel)
		file, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, "", fmt.Errorf("--from: %w", err)
		}
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, 0, "", fmt.Errorf("--from: %w", err)
		}
		if st.IsDir() {
			file.Close()
			continue
		}
		return file, st.Size(), p, nil
	}
	return nil, 0, "", fmt.Errorf("--from %s: neither %s nor %s is there", dir, f.Remote, f.Local)
}

// check compares a file's length and digest with its pins.
func check(f File, n int64, sum string) error {
	if f.Size > 0 && n != f.Size {
		return &ChecksumError{File: f.Local, Kind: "size", Expected: fmt.Sprint(f.Size), Got: fmt.Sprint(n)}
	}
	if f.SHA256 != "" && !strings.EqualFold(sum, f.SHA256) {
		return &ChecksumError{File: f.Local, Kind: "sha256", Expected: f.SHA256, Got: sum}
	}
	return nil
}

// VerifyFile checks a file on disk against f's pins. A missing file gives an
// error that wraps fs.ErrNotExist.
func VerifyFile(ctx context.Context, p string, f File) error {
	file, err := os.Open(p)
	if err != nil {
		return err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return err
	}
	if f.Size > 0 && st.Size() != f.Size {
		return &ChecksumError{File: f.Local, Kind: "size", Expected: fmt.Sprint(f.Size), Got: fmt.Sprint(st.Size())}
	}
	h := sha256.New()
	n, err := io.Copy(h, download.ContextReader(ctx, file))
	if err != nil {
		return err
	}
	return check(f, n, hex.EncodeToString(h.Sum(nil)))
}

// Verify checks every file of a pulled model folder against its pins.
func Verify(ctx context.Context, dir string, m Model) error {
	var errs []error
	for _, f := range m.Files {
		if err := VerifyFile(ctx, filepath.Join(dir, f.Local), f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12] + "…"
	}
	return sum
}
