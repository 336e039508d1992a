package twotower

import (
	"slices"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
)

// Demographic is what a user told us about themselves; nil fields are
// unknown.
type Demographic struct {
	Age        *int32  `json:"age,omitempty"`
	Gender     *string `json:"gender,omitempty"`
	Occupation *string `json:"occupation,omitempty"`
}

// SideInfo is the metadata the towers read besides the interactions,
// keyed by raw ids: item content vectors and genres, user demographics.
// A zero SideInfo is valid: the towers then use ids and history only.
type SideInfo struct {
	// Content maps a movie id to its content vector (all of length
	// ContentDim).
	Content    map[int64][]float32
	ContentDim int
	// Genres maps a movie id to indices into GenreNames.
	Genres     map[int64][]int
	GenreNames []string
	// Demographics encodes Users' demographics.
	Demographics features.Demographics
	Users        map[int64]Demographic
}

// NewSideInfo collects side information from the processed tables and the
// content_features rows (content may be nil: no content input).
func NewSideInfo(t *dataset.Tables, content []features.ContentRow) *SideInfo {
	s := &SideInfo{
		Content: map[int64][]float32{}, Genres: map[int64][]int{}, Users: map[int64]Demographic{},
		GenreNames: features.GenreVocabulary(t.Movies), Demographics: features.FitDemographics(t.Users),
	}
	for _, m := range t.Movies {
		for _, g := range m.Genres {
			s.Genres[int64(m.MovieID)] = append(s.Genres[int64(m.MovieID)], slices.Index(s.GenreNames, g))
		}
	}
	for _, r := range content {
		s.Content[int64(r.MovieID)] = r.Vector
		s.ContentDim = len(r.Vector)
	}
	for _, u := range t.Users {
		s.Users[int64(u.UserID)] = Demographic{Age: u.Age, Gender: u.Gender, Occupation: u.Occupation}
	}
	return s
}
