package features

import (
	"fmt"

	"github.com/moviegenie/genie/internal/enrich"
)

// StageContentOptions are the content options of the feature stage: the
// parameters' dimension and sources, plus the overviews (overview and
// tagline) and keywords of dir's enrichment.parquet (`genie data enrich`)
// when it is present and the overview or keywords source is enabled.
// Without the file the options are those of the parameters alone.
func StageContentOptions(dir string, p Params) (ContentOptions, error) {
	opt := ContentOptions{Dim: p.EmbeddingDim, Sources: p.ContentFeatures}
	if !opt.has("overview") && !opt.has("keywords") {
		return opt, nil
	}
	rows, err := enrich.Load(dir)
	if err != nil {
		return opt, fmt.Errorf("content features: %w", err)
	}
	if rows == nil {
		return opt, nil
	}
	if opt.has("overview") {
		opt.Overviews = enrich.Overviews(rows)
	}
	if opt.has("keywords") {
		opt.Keywords = enrich.KeywordsByMovie(rows)
	}
	return opt, nil
}
