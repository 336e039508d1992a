// Package webui serves the Movie Genie web app embedded in the binary
// (package web: the Vite build in web/dist). Pass Handler() as
// server.Config.Frontend: it serves the built files, answers the app's
// client-side routes (/movies/42, /search?q=…) with index.html, and, when
// the binary was built without the web app, a page saying how to build it.
package webui

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/moviegenie/genie/web"
)

// missingPage is the page served when the web app was not built.
const missingPage = "dist-missing.html"

// csp allows only the app's own scripts, styles and API; inline style
// attributes (genre colours) and data: images (the favicon) are allowed.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the embedded web app.
func Handler() http.Handler { return New(web.Files) }

// Built reports whether the binary embeds a built web app.
func Built() bool { return built(web.Files) }

func built(fsys fs.FS) bool {
	st, err := fs.Stat(fsys, "dist/index.html")
	return err == nil && !st.IsDir()
}

// New serves the web app from fsys, which holds dist/ (the Vite build)
// and/or dist-missing.html.
func New(fsys fs.FS) http.Handler {
	if !built(fsys) {
		page, err := fs.ReadFile(fsys, missingPage)
		if err != nil {
			page = []byte("<!doctype html><title>Movie Genie</title><p>The web app is not built: run <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>, then rebuild genie.</p>")
		}
		return &missing{page: page}
	}
	dist, _ := fs.Sub(fsys, "dist")
	index, _ := fs.ReadFile(dist, "index.html")
	return &app{dist: dist, index: index}
}

type app struct {
	dist  fs.FS
	index []byte
}

func headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", csp)
}

func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// looksLikeFile reports whether a path names a file (has an extension),
// which must exist, rather than a page of the app.
func looksLikeFile(p string) bool {
	return path.Ext(path.Base(p)) != ""
}

func isAPI(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowRead(w, r) {
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if isAPI(p) {
		http.NotFound(w, r)
		return
	}
	headers(w)
	name := strings.TrimPrefix(p, "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(a.dist, name); err == nil && !st.IsDir() {
			f, err := a.dist.Open(name)
			if err != nil {
				http.Error(w, "cannot open "+name, http.StatusInternalServerError)
				return
			}
			defer f.Close()
			if strings.HasPrefix(name, "assets/") {
				// Vite puts a content hash in every asset's name.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			if rs, ok := f.(interface {
				Read([]byte) (int, error)
				Seek(int64, int) (int64, error)
			}); ok {
				http.ServeContent(w, r, name, time.Time{}, rs)
				return
			}
			b, err := fs.ReadFile(a.dist, name)
			if err != nil {
				http.Error(w, "cannot read "+name, http.StatusInternalServerError)
				return
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
			return
		}
		if looksLikeFile(p) {
			http.NotFound(w, r)
			return
		}
	}
	// A page of the app: index.html, whose script routes on the client.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(a.index))
}

type missing struct{ page []byte }

func (m *missing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowRead(w, r) {
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if isAPI(p) || looksLikeFile(p) {
		http.NotFound(w, r)
		return
	}
	headers(w)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(m.page))
}
