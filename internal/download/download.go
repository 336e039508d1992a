// Package download holds the pieces genie's HTTPS downloaders share: the
// https-only URL check, an HTTP client and GET that give up on a silent
// server, a reader that stops when its context is done, a progress writer
// (an animated bar on a terminal) and the "90.4 MB" size format used in
// their messages.
package download

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ByteSize formats n in decimal units with one decimal, like "512 B",
// "4.9 MB" or "90.4 MB"; a negative n means unknown and gives
// "size unknown".
func ByteSize(n int64) string {
	if n < 0 {
		return "size unknown"
	}
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// ContextReader returns a reader that reads from r until ctx is done, then
// fails every Read with ctx.Err(), so that a copy loop stops on
// cancellation.
func ContextReader(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// CheckURL accepts https URLs only; anything else (or a URL that does not
// parse) gives an error naming it.
func CheckURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("bad URL %q: %w", u, err)
	}
	if p.Scheme != "https" {
		return fmt.Errorf("refusing to download %s: only https URLs are allowed", u)
	}
	return nil
}

// Client returns c, or when c is nil a client with no overall timeout (a
// large file takes minutes; the request's context cancels it) that gives up
// on a server sending no response headers for a minute.
func Client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: tr}
}

// StatusError is Get's error for a response other than 200 OK.
type StatusError struct {
	// URL is the URL requested.
	URL string
	// StatusCode and Status are those of the response ("404 Not Found").
	StatusCode int
	Status     string
}

// Error reads like "download https://host/f.zip: 404 Not Found".
func (e *StatusError) Error() string {
	return fmt.Sprintf("download %s: %s", e.URL, e.Status)
}

// Get sends a GET for u with Client(client), setting User-Agent when
// userAgent is not empty. A transport failure is wrapped as
// "download: <err>"; a status other than 200 OK closes the body and gives a
// *StatusError. It does not check the URL's scheme: see CheckURL. The
// caller closes the returned response's body.
func Get(ctx context.Context, client *http.Client, u, userAgent string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	resp, err := Client(client).Do(req)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &StatusError{URL: u, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	return resp, nil
}

// Progress is an io.Writer that shows how much of a download has been
// written to it: an animated bar when its output is a terminal, otherwise
// (for a Progress from NewProgress) a line every 10% of a known total of at
// least 1 MiB, or nothing. Call Finish when the copy ends.
type Progress struct {
	pb    *progressbar.ProgressBar
	w     io.Writer
	name  string
	total int64
	n     int64
	next  int64
}

// NewProgress shows the progress of a download of total bytes (total <= 0:
// unknown) named name on w: an animated bar when w is a terminal, else
// lines like "model.onnx: 30% (27.1 MB of 90.4 MB)". A nil w shows nothing.
func NewProgress(w io.Writer, total int64, name string) *Progress {
	return newProgress(w, total, name, true)
}

// NewTerminalProgress is NewProgress that shows nothing unless w is a
// terminal.
func NewTerminalProgress(w io.Writer, total int64, name string) *Progress {
	return newProgress(w, total, name, false)
}

func newProgress(w io.Writer, total int64, name string, lines bool) *Progress {
	b := &Progress{w: w, name: name, total: total}
	if w == nil {
		return b
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t := total
		if t <= 0 {
			t = -1
		}
		b.pb = progressbar.NewOptions64(t,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		return b
	}
	if lines && total >= 1<<20 {
		b.next = total / 10
	}
	return b
}

// Write counts p and updates the display; it never fails.
func (b *Progress) Write(p []byte) (int, error) {
	b.n += int64(len(p))
	switch {
	case b.pb != nil:
		_ = b.pb.Add(len(p))
	case b.next > 0 && b.n >= b.next:
		fmt.Fprintf(b.w, "%s: %d%% (%s of %s)\n", b.name, b.n*100/b.total, ByteSize(b.n), ByteSize(b.total))
		for b.next <= b.n {
			b.next += b.total / 10
		}
	}
	return len(p), nil
}

// Finish completes the bar (moving the terminal to a new line); it does
// nothing when no bar is shown.
func (b *Progress) Finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}
