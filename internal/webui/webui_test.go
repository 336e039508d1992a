package webui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestBuiltApp(t *testing.T) {
	fsys := fstest.MapFS{
		"dist/index.html":         {Data: []byte("<!doctype html><div id=root></div>")},
		"dist/assets/app-1a2b.js": {Data: []byte("console.log(1)")},
		"dist/robots.txt":         {Data: []byte("User-agent: *")},
		"dist-missing.html":       {Data: []byte("not built")},
	}
	h := New(fsys)
	cases := []struct {
		target, want string
		status       int
		cache        string
	}{
		{"/", "<div id=root>", 200, "no-cache"},
		{"/index.html", "<div id=root>", 200, "no-cache"},
		{"/movies/42", "<div id=root>", 200, "no-cache"},
		{"/search?q=90s+comedy", "<div id=root>", 200, "no-cache"},
		{"/assets/app-1a2b.js", "console.log", 200, "immutable"},
		{"/robots.txt", "User-agent", 200, "no-cache"},
		{"/assets/gone-0000.js", "", 404, ""},
		{"/api/nope", "", 404, ""},
		{"/../dist-missing.html", "", 404, ""},
		{"/../../etc/passwd", "<div id=root>", 200, "no-cache"},
	}
	for _, c := range cases {
		res, body := get(t, h, http.MethodGet, c.target)
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.target, res.StatusCode, c.status)
			continue
		}
		if !strings.Contains(body, c.want) {
			t.Errorf("%s: body %q lacks %q", c.target, body, c.want)
		}
		if c.cache != "" && !strings.Contains(res.Header.Get("Cache-Control"), c.cache) {
			t.Errorf("%s: Cache-Control %q, want %q", c.target, res.Header.Get("Cache-Control"), c.cache)
		}
		if c.status == 200 && res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: no Content-Security-Policy", c.target)
		}
	}
	if ct := func() string {
		r, _ := get(t, h, http.MethodGet, "/assets/app-1a2b.js")
		return r.Header.Get("Content-Type")
	}(); !strings.Contains(ct, "javascript") {
		t.Errorf("js served as %q", ct)
	}
	if res, _ := get(t, h, http.MethodPost, "/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d, want 405", res.StatusCode)
	}
	if res, body := get(t, h, http.MethodHead, "/"); res.StatusCode != 200 || body != "" {
		t.Errorf("HEAD /: status %d body %q", res.StatusCode, body)
	}
}

func TestNotBuilt(t *testing.T) {
	h := New(fstest.MapFS{"dist-missing.html": {Data: []byte("<p>run npm --prefix web run build</p>")}})
	res, body := get(t, h, http.MethodGet, "/")
	if res.StatusCode != 200 || !strings.Contains(body, "npm --prefix web run build") {
		t.Fatalf("GET /: %d %q", res.StatusCode, body)
	}
	if res, _ := get(t, h, http.MethodGet, "/movies/3"); res.StatusCode != 200 {
		t.Errorf("deep link: %d", res.StatusCode)
	}
	if res, _ := get(t, h, http.MethodGet, "/assets/app.js"); res.StatusCode != 404 {
		t.Errorf("asset without a build: %d, want 404", res.StatusCode)
	}
	// Even an empty file system gives a page that says what to do.
	_, body = get(t, New(fstest.MapFS{}), http.MethodGet, "/")
	if !strings.Contains(body, "npm --prefix web") {
		t.Errorf("fallback page %q", body)
	}
}

// The real embedded files: either a build or the placeholder is there.
func TestEmbedded(t *testing.T) {
	res, body := get(t, Handler(), http.MethodGet, "/")
	if res.StatusCode != 200 {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	if Built() != strings.Contains(body, `id="root"`) {
		t.Errorf("Built() = %v but the page is %.80q", Built(), body)
	}
}
