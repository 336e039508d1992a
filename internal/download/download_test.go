package download

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{-1, "size unknown"},
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1.0 kB"},
		{1500, "1.5 kB"},
		{999_999, "1000.0 kB"},
		{1_000_000, "1.0 MB"},
		{4_924_029, "4.9 MB"},
		{90_405_214, "90.4 MB"},
		{3 << 30, "3.2 GB"},
		{1_000_000_000_000, "1.0 TB"},
		{1 << 62, "4.6 EB"},
	} {
		if got := ByteSize(tc.n); got != tc.want {
			t.Errorf("ByteSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestContextReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := ContextReader(ctx, strings.NewReader("abcdef"))
	buf := make([]byte, 3)
	if n, err := r.Read(buf); n != 3 || err != nil || string(buf) != "abc" {
		t.Fatalf("Read before cancel = %d, %v, %q", n, err, buf)
	}
	cancel()
	if n, err := r.Read(buf); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel = %d, %v; want 0, context.Canceled", n, err)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		u, wantErr string
	}{
		{"https://files.grouplens.org/datasets/movielens/ml-100k.zip", ""},
		{"http://example.com/f", "refusing to download http://example.com/f: only https URLs are allowed"},
		{"file:///etc/passwd", "refusing to download file:///etc/passwd: only https URLs are allowed"},
		{"://bad", `bad URL "://bad": `},
	} {
		err := CheckURL(tc.u)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want nil", tc.u, err)
		case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
			t.Errorf("CheckURL(%q) = %v, want %q", tc.u, err, tc.wantErr)
		}
	}
}

func TestClient(t *testing.T) {
	c := &http.Client{}
	if Client(c) != c {
		t.Error("Client(c) did not return c")
	}
	d := Client(nil)
	tr, ok := d.Transport.(*http.Transport)
	if !ok || tr.ResponseHeaderTimeout <= 0 || d.Timeout != 0 {
		t.Errorf("Client(nil) = %+v: want a transport with a response header timeout and no overall timeout", d)
	}
}

func TestGet(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, r.Header.Get("User-Agent"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		path, ua   string
		wantBody   string
		wantStatus int
	}{
		{"/ok", "genie-test", "genie-test", 0},
		{"/missing", "", "", http.StatusNotFound},
	} {
		u := srv.URL + tc.path
		resp, err := Get(context.Background(), srv.Client(), u, tc.ua)
		if tc.wantStatus != 0 {
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.wantStatus || err.Error() != "download "+u+": 404 Not Found" {
				t.Errorf("Get(%s) = %v, want a StatusError %d", tc.path, err, tc.wantStatus)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Get(%s): %v", tc.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != tc.wantBody {
			t.Errorf("Get(%s) body = %q, want %q", tc.path, body, tc.wantBody)
		}
	}
	if _, err := Get(context.Background(), srv.Client(), "https://127.0.0.1:1/x", ""); err == nil || !strings.HasPrefix(err.Error(), "download: ") {
		t.Errorf("Get to a closed port = %v, want a \"download: \" error", err)
	}
}

func TestProgress(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		name     string
		terminal bool // NewTerminalProgress: silent on a non-terminal
		total    int64
		writes   []int
		want     string
	}{
		{"lines every 10%", false, 10 * mb, []int{mb, mb / 2, mb / 2, 5 * mb, 3 * mb},
			"f: 10% (1.0 MB of 10.5 MB)\nf: 20% (2.1 MB of 10.5 MB)\nf: 70% (7.3 MB of 10.5 MB)\nf: 100% (10.5 MB of 10.5 MB)\n"},
		{"small total is silent", false, mb - 1, []int{mb - 1}, ""},
		{"unknown total is silent", false, -1, []int{5 * mb}, ""},
		{"terminal-only is silent elsewhere", true, 10 * mb, []int{10 * mb}, ""},
	} {
		var out bytes.Buffer
		p := NewProgress(&out, tc.total, "f")
		if tc.terminal {
			p = NewTerminalProgress(&out, tc.total, "f")
		}
		for _, n := range tc.writes {
			if got, err := p.Write(make([]byte, n)); got != n || err != nil {
				t.Fatalf("%s: Write(%d) = %d, %v", tc.name, n, got, err)
			}
		}
		p.Finish()
		if out.String() != tc.want {
			t.Errorf("%s: output %q, want %q", tc.name, out.String(), tc.want)
		}
	}
	// A nil writer shows nothing and still counts.
	p := NewProgress(nil, 10*mb, "f")
	if n, err := p.Write(make([]byte, 5*mb)); n != 5*mb || err != nil {
		t.Fatalf("nil writer: Write = %d, %v", n, err)
	}
	p.Finish()
}
