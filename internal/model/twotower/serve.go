package twotower

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/moviegenie/genie/internal/nn/blas"
)

// Scored is a retrieved movie and its score (cosine similarity times the
// learned inverse temperature is monotone in it; the score is the cosine).
type Scored struct {
	MovieID int64   `json:"movie_id"`
	Score   float32 `json:"score"`
}

// UserQuery describes a user to embed from scratch.
type UserQuery struct {
	// UserID is a known user's raw id. Nil, or an id the model did not
	// train on, means a new user: no id embedding (cold start).
	UserID *int64
	// History lists raw movie ids the user rated, oldest first; ids the
	// model does not know are ignored. May be empty.
	History []int64
	// Demographic is used as given; for a known user whose fields are all
	// nil, the training demographics are used.
	Demographic
}

// NumUsers and NumItems return the sizes of the id vocabularies.
func (m *Model) NumUsers() int { return len(m.userIDs) }

// NumItems returns the number of items the model scores.
func (m *Model) NumItems() int { return len(m.itemIDs) }

// Dim returns the embedding width: the last hidden dim, times the number
// of members in an ensemble.
func (m *Model) Dim() int { return m.dim() }

// UserEmbedding returns the embedding of a known user computed from their
// training history, and false for an unknown user.
func (m *Model) UserEmbedding(userID int64) ([]float32, bool) {
	u, ok := m.userIndex[userID]
	if !ok {
		return nil, false
	}
	out := m.dim()
	return slices.Clone(m.userEmb[int(u)*out : int(u+1)*out]), true
}

// ItemEmbedding returns a movie's embedding, and false for an unknown one.
func (m *Model) ItemEmbedding(movieID int64) ([]float32, bool) {
	i, ok := m.itemIndex[movieID]
	if !ok {
		return nil, false
	}
	out := m.dim()
	return slices.Clone(m.itemEmb[int(i)*out : int(i+1)*out]), true
}

// EmbedUser runs the user tower for q: a new user (cold start) is embedded
// from their history and demographics alone.
func (m *Model) EmbedUser(q UserQuery) []float32 {
	u := int32(-1)
	d := q.Demographic
	if q.UserID != nil {
		if k, ok := m.userIndex[*q.UserID]; ok {
			u = k
			if d.Age == nil && d.Gender == nil && d.Occupation == nil {
				d = m.userDemo[k]
			}
		}
	}
	hist := make([]int32, 0, len(q.History))
	for _, id := range q.History {
		if i, ok := m.itemIndex[id]; ok {
			hist = append(hist, i)
		}
	}
	return m.embedDense(u, d, hist)
}

// Recommend returns the k movies with the highest dot product with the
// user embedding userVec (exact search over all item embeddings, one
// GEMM), skipping the movies in exclude; ties go to the lower movie id.
func (m *Model) Recommend(userVec []float32, k int, exclude []int64) []Scored {
	n, out := len(m.itemIDs), m.dim()
	if len(userVec) != out || k <= 0 {
		return nil
	}
	scores := make([]float32, n)
	blas.New(1).Sgemm(false, true, 1, n, out, 1, userVec, out, m.itemEmb, out, 0, scores, n)
	skip := make(map[int64]bool, len(exclude))
	for _, id := range exclude {
		skip[id] = true
	}
	return m.top(scores, k, skip)
}

// SimilarItems returns the k movies whose item embeddings are closest
// (cosine) to movieID's, the movie itself excluded.
func (m *Model) SimilarItems(movieID int64, k int) ([]Scored, error) {
	v, ok := m.ItemEmbedding(movieID)
	if !ok {
		return nil, fmt.Errorf("two-tower: unknown movie %d", movieID)
	}
	return m.Recommend(v, k, []int64{movieID}), nil
}

// top selects the k best scores (ties to the lower raw id; item indices
// ascend with raw ids).
func (m *Model) top(scores []float32, k int, skip map[int64]bool) []Scored {
	idx := make([]int32, 0, len(scores))
	for i := range scores {
		if !skip[m.itemIDs[i]] {
			idx = append(idx, int32(i))
		}
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(scores[b], scores[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	idx = idx[:min(k, len(idx))]
	res := make([]Scored, len(idx))
	for j, i := range idx {
		res[j] = Scored{MovieID: m.itemIDs[i], Score: scores[i]}
	}
	return res
}
