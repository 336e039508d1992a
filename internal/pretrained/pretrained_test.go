package pretrained

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// testModel is a two-file model served by a test server: the bodies and
// the pins are made here, nothing is downloaded from the internet.
func testModel(t *testing.T) (Model, map[string][]byte) {
	t.Helper()
	onnx := bytes.Repeat([]byte("onnx-weights-"), 200_000) // 2.6 MB: progress lines
	tok := []byte(`{"model":{"type":"WordPiece"}}`)
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	m := Model{Name: "tiny-test", Repo: "acme/tiny-test", Revision: "main", Files: []File{
		{Remote: "onnx/model.onnx", Local: "model.onnx", Size: int64(len(onnx)), SHA256: sum(onnx)},
		{Remote: "tokenizer.json", Local: "tokenizer.json", Size: int64(len(tok)), SHA256: sum(tok)},
	}}
	return m, map[string][]byte{"/acme/tiny-test/resolve/main/onnx/model.onnx": onnx, "/acme/tiny-test/resolve/main/tokenizer.json": tok}
}

// server serves bodies by path over TLS, counting requests.
func server(t *testing.T, bodies map[string][]byte, tweak func(w http.ResponseWriter, r *http.Request) bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if tweak != nil && tweak(w, r) {
			return
		}
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".part-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestPullDownloadsVerifiesAndKeeps(t *testing.T) {
	m, bodies := testModel(t)
	srv, reqs := server(t, bodies, nil)
	dir := t.TempDir()
	var log bytes.Buffer
	opts := PullOptions{Dir: dir, BaseURL: srv.URL, HTTPClient: srv.Client(), Progress: &log}
	res, err := PullModel(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Fetched, ","); got != "model.onnx,tokenizer.json" {
		t.Errorf("fetched %s", got)
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(dir, "tiny-test", f.Local))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, bodies["/acme/tiny-test/resolve/main/"+f.Remote]) {
			t.Errorf("%s: content differs", f.Local)
		}
	}
	if !strings.Contains(log.String(), "model.onnx: 50%") || !strings.Contains(log.String(), "model.onnx: verified") {
		t.Errorf("progress log:\n%s", log.String())
	}
	noTemps(t, filepath.Join(dir, "tiny-test"))
	if err := Verify(context.Background(), res.Dir, m); err != nil {
		t.Error(err)
	}

	// A second pull keeps what verifies and asks the server nothing.
	before := reqs.Load()
	res, err = PullModel(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Kept) != 2 || len(res.Fetched) != 0 || reqs.Load() != before {
		t.Errorf("second pull: kept %v fetched %v, %d new requests", res.Kept, res.Fetched, reqs.Load()-before)
	}

	// A damaged file is fetched again; Force fetches everything.
	os.WriteFile(filepath.Join(res.Dir, "tokenizer.json"), []byte("{}"), 0o644)
	res, err = PullModel(context.Background(), m, opts)
	if err != nil || strings.Join(res.Fetched, ",") != "tokenizer.json" {
		t.Errorf("repair: fetched %v, err %v", res.Fetched, err)
	}
	opts.Force = true
	res, err = PullModel(context.Background(), m, opts)
	if err != nil || len(res.Fetched) != 2 {
		t.Errorf("force: fetched %v, err %v", res.Fetched, err)
	}
}

func TestPullRejectsBadFilesAtomically(t *testing.T) {
	m, bodies := testModel(t)
	cases := []struct {
		name  string
		tweak func(w http.ResponseWriter, r *http.Request) bool
		want  string
	}{
		{"wrong bytes", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "model.onnx") {
				b := bytes.Clone(bodies[r.URL.Path])
				b[1000] ^= 1
				w.Write(b)
				return true
			}
			return false
		}, "sha256 mismatch"},
		{"announced size", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "model.onnx") {
				w.Header().Set("Content-Length", "10")
				w.Write(bodies[r.URL.Path][:10])
				return true
			}
			return false
		}, "size mismatch"},
		{"truncated", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "model.onnx") {
				b := bodies[r.URL.Path]
				w.Header().Set("Content-Length", fmt.Sprint(len(b)))
				w.Write(b[:len(b)/2])
				panic(http.ErrAbortHandler) // drop the connection mid-body
			}
			return false
		}, "model.onnx"},
		{"too long", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "tokenizer.json") {
				w.Write(append(bytes.Clone(bodies[r.URL.Path]), "trailing"...))
				return true
			}
			return false
		}, "size mismatch"},
		{"missing", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "tokenizer.json") {
				http.NotFound(w, r)
				return true
			}
			return false
		}, "404 Not Found (check the model name and --revision)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := server(t, bodies, c.tweak)
			dir := t.TempDir()
			_, err := PullModel(context.Background(), m, PullOptions{Dir: dir, BaseURL: srv.URL, HTTPClient: srv.Client()})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			noTemps(t, filepath.Join(dir, "tiny-test"))
			// The failing file never appears under its real name.
			for _, f := range m.Files {
				p := filepath.Join(dir, "tiny-test", f.Local)
				if VerifyFile(context.Background(), p, f) != nil {
					if _, err := os.Stat(p); err == nil {
						t.Errorf("unverified %s is in place", f.Local)
					}
				}
			}
		})
	}
	var ce *ChecksumError
	srv, _ := server(t, bodies, cases[0].tweak)
	_, err := PullModel(context.Background(), m, PullOptions{Dir: t.TempDir(), BaseURL: srv.URL, HTTPClient: srv.Client()})
	if !errors.As(err, &ce) || ce.Kind != "sha256" || ce.Expected != m.Files[0].SHA256 {
		t.Errorf("want a *ChecksumError, got %#v", err)
	}
}

func TestPullRefusesPlainHTTPAndCancels(t *testing.T) {
	m, bodies := testModel(t)
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	_, err := PullModel(context.Background(), m, PullOptions{Dir: t.TempDir(), BaseURL: plain.URL})
	if err == nil || !strings.Contains(err.Error(), "only https") {
		t.Errorf("plain http: %v", err)
	}
	srv, _ := server(t, bodies, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err = PullModel(ctx, m, PullOptions{Dir: dir, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	noTemps(t, filepath.Join(dir, "tiny-test"))
}

func TestPullFromLocalFolder(t *testing.T) {
	m, bodies := testModel(t)
	src := t.TempDir()
	// A repository snapshot: onnx/model.onnx at its remote path, the
	// tokenizer at the top.
	os.MkdirAll(filepath.Join(src, "onnx"), 0o755)
	os.WriteFile(filepath.Join(src, "onnx", "model.onnx"), bodies["/acme/tiny-test/resolve/main/onnx/model.onnx"], 0o644)
	os.WriteFile(filepath.Join(src, "tokenizer.json"), bodies["/acme/tiny-test/resolve/main/tokenizer.json"], 0o644)
	dir := t.TempDir()
	res, err := PullModel(context.Background(), m, PullOptions{Dir: dir, From: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fetched) != 2 || Verify(context.Background(), res.Dir, m) != nil {
		t.Errorf("from folder: %+v", res)
	}
	os.WriteFile(filepath.Join(src, "tokenizer.json"), []byte("{}"), 0o644)
	_, err = PullModel(context.Background(), m, PullOptions{Dir: t.TempDir(), From: src})
	if err == nil || !strings.Contains(err.Error(), "mismatch") {
		t.Errorf("bad local copy: %v", err)
	}
	// a pull that lands nothing leaves no empty model folder behind
	parent := t.TempDir()
	if _, err := PullModel(context.Background(), m, PullOptions{Dir: parent, From: t.TempDir()}); err == nil {
		t.Fatal("pull from an empty folder succeeded")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a failed pull left %v in its --dir", entries)
	}
}

func TestRegistry(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, m := range Models() {
		if m.Repo == "" || len(m.Files) == 0 {
			t.Errorf("%s: no repo or files", m.Name)
		}
		for _, f := range m.Files {
			if f.Size <= 0 || !hex64.MatchString(f.SHA256) {
				t.Errorf("%s %s: size %d sha256 %q not pinned", m.Name, f.Local, f.Size, f.SHA256)
			}
		}
	}
	for _, name := range []string{"all-MiniLM-L6-v2", "minilm", "Sentence-Transformers/all-MiniLM-L6-v2"} {
		m, err := Lookup(name)
		if err != nil || m.Name != "all-MiniLM-L6-v2" {
			t.Errorf("Lookup(%q) = %v, %v", name, m.Name, err)
		}
	}
	if _, err := Lookup("gpt-5"); !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), "all-MiniLM-L6-v2") {
		t.Errorf("unknown: %v", err)
	}
	m, _ := Lookup("minilm")
	if got := m.URL("", m.Files[0]); got != "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/onnx/model.onnx" {
		t.Errorf("URL %s", got)
	}
}
