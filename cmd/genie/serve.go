package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/pipeline"
	"github.com/moviegenie/genie/internal/search"
	"github.com/moviegenie/genie/internal/server"
	"github.com/moviegenie/genie/internal/store/backend"
	"github.com/moviegenie/genie/internal/webui"
)

// serveOptions are the flags of "genie serve" (and of "genie up").
type serveOptions struct {
	addr string
	port int
	db   string
	// catalog is the pipeline's SQLite catalogue, copied into db (SQLite)
	// at start and whenever it changes.
	catalog string
	src     server.Sources
	smoke   bool
	// searchIndex is the folder genie search index wrote.
	searchIndex string
	// params is params.yaml, for its serving section.
	params  string
	reload  time.Duration
	verbose bool
	// noListCache computes every personalized list (server.Config.NoListCache).
	noListCache bool
}

// flags registers o's flags on cmd.
func (o *serveOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1", "address to listen on")
	f.IntVar(&o.port, "port", 8080, "port to listen on (0 picks a free one)")
	f.StringVar(&o.db, "db", backend.DefaultDB, "database: a SQLite file or a postgres:// URL")
	f.StringVar(&o.catalog, "catalog", backend.DefaultCatalog, "SQLite catalogue from genie db setup, copied into --db when it changes (SQLite only)")
	f.StringVar(&o.src.Processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables")
	f.StringVar(&o.src.Metrics, "metrics", filepath.Join("metrics", "eval.json"), "evaluation metrics to serve")
	f.StringVar(&o.src.ModelsDir, "models", "models", "folder of trained models")
	f.StringVar(&o.searchIndex, "search-index", filepath.Join("models", "search"), "search index folder")
	f.StringVar(&o.params, "params", "params.yaml", "parameters file (its serving section; missing: defaults)")
	f.BoolVar(&o.smoke, "smoke", false, "start, check /readyz answers, then stop (for CI)")
	f.DurationVar(&o.reload, "reload-every", 5*time.Second, "how often to look for new model versions (0: never)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log every request")
	f.BoolVar(&o.noListCache, "no-list-cache", false, "compute every personalized list instead of answering again with a user's last one while their history and the models are unchanged (for benchmarking)")
}

// newServeCmd is "genie serve".
func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the JSON API and the web app from the trained models",
		Long: `serve answers the JSON API under /api (OpenAPI description at
/openapi.json, docs at /docs), /healthz, /readyz and Prometheus /metrics,
and the web app at /. Recommendations come from the models the pipeline
trained and change as soon as a user rates something; when genie repro
writes new models, serve loads them without dropping requests. Ctrl-C
finishes the requests in flight, then stops.

With SQLite (the default) the app's rows — users it created, ratings,
likes — live in --db (data/genie.db), apart from the pipeline's catalogue
(--catalog, data/catalog.db, written by genie db setup). At start, and
whenever the pipeline rebuilds the catalogue, serve copies the catalogue's
movies, users and ratings into --db in one transaction, keeping the app's
rows; when nothing changed this is a check of a few milliseconds.`,
		Example: `  genie serve
  genie serve --port 9000 --db data/genie.db --catalog data/catalog.db
  genie serve --db postgres://genie@db.internal:5432/genie   # replicas share one PostgreSQL`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd.Context(), cmd.OutOrStdout(), o) },
	}
	o.flags(cmd)
	return cmd
}

// serve runs the server until ctx ends (or, with smoke, until it is ready).
func serve(ctx context.Context, out io.Writer, o serveOptions) error {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	o.src.Log = log
	p, err := config.Load(o.params)
	if err != nil {
		return err
	}
	if err := syncCatalog(ctx, out, o); err != nil {
		return err
	}
	st, err := backend.Open(ctx, o.db)
	if err != nil {
		if _, cerr := os.Stat(o.catalog); backend.Name(o.db) == "sqlite" && o.catalog != "" && errors.Is(cerr, fs.ErrNotExist) {
			return fmt.Errorf("%w; the catalogue --catalog %s is missing too, so there was nothing to copy into it (genie repro builds it)", err, o.catalog)
		}
		return err
	}
	defer st.Close()
	models, err := server.LoadModels(ctx, o.src)
	if err != nil {
		return err
	}
	var searcher server.Searcher
	if ix, err := search.Open(ctx, o.searchIndex); err == nil {
		searcher = server.IndexSearcher{Index: ix, PersonalWeight: p.Serving.SearchPersonalWeight}
	} else {
		log.Warn("search disabled", "index", o.searchIndex, "err", err)
	}
	srv, err := server.New(server.Config{Store: st, Models: models, Search: searcher, Logger: log, Frontend: webui.Handler(), NoListCache: o.noListCache})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.addr, fmt.Sprint(o.port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "Movie Genie is serving %s (model %s, version %s)\n", url, models.Engine.Model, models.Engine.Version)
	if o.smoke {
		err := checkReady(ctx, url)
		serr := shutdown(hs)
		if err == nil {
			fmt.Fprintln(out, "smoke: /readyz answered ok")
		}
		if serr != nil {
			err = errors.Join(err, fmt.Errorf("smoke: shutdown: %w", serr))
		}
		return err
	}
	if o.reload > 0 {
		go server.WatchModels(ctx, srv, server.WatchOptions{
			Sources: o.src, Catalog: o.catalog, Interval: o.reload, Logger: log, Busy: repoBusy(),
			SyncCatalog: func(ctx context.Context) error { return syncCatalog(ctx, io.Discard, o) },
		})
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "shutting down: finishing requests in flight")
	return shutdown(hs)
}

// shutdown stops hs, letting the requests in flight finish for up to 15s.
func shutdown(hs *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// maxSmokeBody bounds how much of a failed /readyz answer the smoke check
// reads to quote in its error.
const maxSmokeBody = 4 << 10

// checkReady asks url's /readyz once and fails unless it answers 200 OK.
func checkReady(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("smoke: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxSmokeBody))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("smoke: /readyz answered %s: %s", resp.Status, body)
	}
	return nil
}

// syncCatalog copies a new catalogue into the app database (see
// backend.Sync) and says so.
func syncCatalog(ctx context.Context, out io.Writer, o serveOptions) error {
	rep, err := backend.Sync(ctx, o.db, o.catalog)
	if err != nil {
		return fmt.Errorf("database %s from catalogue %s: %w", o.db, o.catalog, err)
	}
	if rep != nil {
		fmt.Fprintf(out, "database %s: copied catalogue %s (%d movies, %d users, %d ratings; %d app rows kept) in %d ms\n",
			o.db, o.catalog, rep.Counts["movies"].Actual, rep.Counts["users"].Actual, rep.Counts["interactions"].Actual,
			rep.AppRows["interactions"]+rep.AppRows["users"]+rep.AppRows["model_versions"], rep.TimingsMS["total"])
	}
	return nil
}

// repoBusy returns the check server.WatchModels waits on: while genie
// repro holds the repository lock the outputs are a mix of the old run's
// and the new one's. Outside a repository there is no lock to wait for.
func repoBusy() func() bool {
	root, err := pipeline.FindRoot(".")
	if err != nil {
		return func() bool { return false }
	}
	return func() bool {
		busy, err := pipeline.RepoBusy(root)
		return err == nil && busy
	}
}
