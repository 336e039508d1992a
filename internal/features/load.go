package features

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/dataset"
)

// LoadOrBuildContent returns the content vectors of t's movies: those of
// dir's content_features.parquet when it exists, else exactly what
// WriteContent would write there — built in memory with
// StageContentOptions (p's dimension and sources plus dir's
// enrichment.parquet when present) — without writing anything. A consumer
// of the content features (the Two-Tower's item tower) then sees the same
// vectors whether or not the features stage ran first.
func LoadOrBuildContent(ctx context.Context, dir string, t *dataset.Tables, p Params) ([]ContentRow, error) {
	rows, err := dataset.ReadParquet[ContentRow](filepath.Join(dir, ContentFile))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return rows, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt, err := StageContentOptions(dir, p)
	if err != nil {
		return nil, err
	}
	rows, _, err = BuildContent(t.Movies, t.Tags, opt)
	return rows, err
}
