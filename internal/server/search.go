package server

import (
	"context"

	"github.com/moviegenie/genie/internal/search"
)

// IndexSearcher serves a search.Index, re-ranked by a user's model scores
// with PersonalWeight when the request names a user.
type IndexSearcher struct {
	Index          *search.Index
	PersonalWeight float32
}

// Search runs the fused search.
func (s IndexSearcher) Search(ctx context.Context, q string, k int, personal map[int32]float32) (any, error) {
	opt := search.Options{K: k, Mode: search.ModeFused}
	if len(personal) > 0 {
		opt.UserScores, opt.PersonalWeight = personal, s.PersonalWeight
	}
	return s.Index.Search(ctx, q, opt)
}
