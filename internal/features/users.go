package features

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/dataset"
)

// ageBuckets are the lower bounds of the MovieLens-1M age groups.
var ageBuckets = []int32{0, 18, 25, 35, 45, 50, 56}

// Demographics encodes a user's age, gender and occupation as a fixed-width
// vector: age z-score, age-missing flag, age group one-hot, gender one-hot
// (vocabulary + missing), occupation one-hot (vocabulary + missing). The
// zero value encodes nothing (width 0); build one with FitDemographics.
type Demographics struct {
	AgeMean     float64  `json:"age_mean"`
	AgeStd      float64  `json:"age_std"`
	Genders     []string `json:"genders"`
	Occupations []string `json:"occupations"`
	// HasAge, HasGender and HasOccupation say whether the dataset has the
	// field at all; absent fields take no columns.
	HasAge        bool `json:"has_age"`
	HasGender     bool `json:"has_gender"`
	HasOccupation bool `json:"has_occupation"`
}

// FitDemographics learns vocabularies and the age scaling from users.
func FitDemographics(users []dataset.UserRow) Demographics {
	var d Demographics
	var s, ss, n float64
	for _, u := range users {
		if u.Age != nil {
			a := float64(*u.Age)
			s, ss, n = s+a, ss+a*a, n+1
		}
		if u.Gender != nil && !slices.Contains(d.Genders, *u.Gender) {
			d.Genders = append(d.Genders, *u.Gender)
		}
		if u.Occupation != nil && !slices.Contains(d.Occupations, *u.Occupation) {
			d.Occupations = append(d.Occupations, *u.Occupation)
		}
	}
	slices.Sort(d.Genders)
	slices.Sort(d.Occupations)
	d.HasAge, d.HasGender, d.HasOccupation = n > 0, len(d.Genders) > 0, len(d.Occupations) > 0
	if n > 0 {
		d.AgeMean = s / n
		d.AgeStd = math.Sqrt(math.Max(ss/n-d.AgeMean*d.AgeMean, 1e-12))
	}
	return d
}

// Names returns the column names of Encode's output.
func (d *Demographics) Names() []string {
	var out []string
	if d.HasAge {
		out = append(out, "age_z", "age_missing")
		for _, b := range ageBuckets {
			out = append(out, fmt.Sprintf("age_group_%d", b))
		}
	}
	if d.HasGender {
		for _, g := range d.Genders {
			out = append(out, "gender_"+g)
		}
		out = append(out, "gender_missing")
	}
	if d.HasOccupation {
		for _, o := range d.Occupations {
			out = append(out, "occupation_"+o)
		}
		out = append(out, "occupation_missing")
	}
	return out
}

// Width returns the length of Encode's output.
func (d *Demographics) Width() int { return len(d.Names()) }

// Encode appends the encoded demographics to dst. Nil fields (unknown
// demographics, as for a brand-new user) set the missing flags; unseen
// vocabulary values count as missing too.
func (d *Demographics) Encode(dst []float32, age *int32, gender, occupation *string) []float32 {
	if d.HasAge {
		if age == nil {
			dst = append(dst, 0, 1)
			dst = append(dst, make([]float32, len(ageBuckets))...)
		} else {
			dst = append(dst, float32((float64(*age)-d.AgeMean)/d.AgeStd), 0)
			for i := range ageBuckets {
				on := *age >= ageBuckets[i] && (i+1 == len(ageBuckets) || *age < ageBuckets[i+1])
				dst = append(dst, b2f(on))
			}
		}
	}
	if d.HasGender {
		dst = oneHot(dst, d.Genders, gender)
	}
	if d.HasOccupation {
		dst = oneHot(dst, d.Occupations, occupation)
	}
	return dst
}

func oneHot(dst []float32, vocab []string, v *string) []float32 {
	j := len(vocab)
	if v != nil {
		if k := slices.Index(vocab, *v); k >= 0 {
			j = k
		}
	}
	for i := 0; i <= len(vocab); i++ {
		dst = append(dst, b2f(i == j))
	}
	return dst
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Standardizer is a z-score with a mean and standard deviation.
type Standardizer struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

func fitStd(xs []float64) Standardizer {
	var s, ss float64
	for _, x := range xs {
		s += x
		ss += x * x
	}
	n := math.Max(float64(len(xs)), 1)
	m := s / n
	sd := math.Sqrt(math.Max(ss/n-m*m, 0))
	if sd < 1e-6 { // a constant column: centre it, do not blow it up
		sd = 1
	}
	return Standardizer{Mean: m, Std: sd}
}

// Apply returns the z-score of x.
func (s Standardizer) Apply(x float64) float32 { return float32((x - s.Mean) / s.Std) }

// UserMeta is user_features.json: the column names of the feature vector
// and the fitted encoders, so a new user can be encoded the same way.
type UserMeta struct {
	Names        []string     `json:"names"`
	Demographics Demographics `json:"demographics"`
	Genres       []string     `json:"genres"`
	// Scalers for log1p(rating_count), rating_mean, rating_std,
	// log1p(days since the user's last rating, relative to the newest
	// rating), log1p(days between the user's first and last rating).
	Activity    Standardizer `json:"activity"`
	Mean        Standardizer `json:"mean"`
	Variability Standardizer `json:"std"`
	Recency     Standardizer `json:"recency"`
	Span        Standardizer `json:"span"`
	// NewestTimestamp is the reference time of the recency feature.
	NewestTimestamp int64 `json:"newest_timestamp"`
}

// UserRow is one row of user_features.parquet.
type UserRow struct {
	UserID      int32   `parquet:"user_id"`
	RatingCount int32   `parquet:"rating_count"`
	RatingMean  float32 `parquet:"rating_mean"`
	RatingStd   float32 `parquet:"rating_std"`
	// DaysSinceLast is the days between the user's last rating and the
	// newest rating in the data.
	DaysSinceLast float32 `parquet:"days_since_last"`
	// GenreAffinity[g] is the share of the user's ratings on genre g
	// (UserMeta.Genres order), GenreRating[g] the user's mean rating on it
	// minus their overall mean (0 without ratings there).
	GenreAffinity []float32 `parquet:"genre_affinity,list"`
	GenreRating   []float32 `parquet:"genre_rating,list"`
	// Features is the scaled model input; UserMeta.Names names its columns.
	Features []float32 `parquet:"features,list"`
}

// BuildUsers returns one row per user of t.Users (in that order) and the
// metadata describing the feature columns.
func BuildUsers(t *dataset.Tables) ([]UserRow, UserMeta) {
	meta := UserMeta{Demographics: FitDemographics(t.Users), Genres: GenreVocabulary(t.Movies)}
	gIdx := map[int32][]int{}
	for _, m := range t.Movies {
		for _, g := range m.Genres {
			gIdx[m.MovieID] = append(gIdx[m.MovieID], slices.Index(meta.Genres, g))
		}
	}
	ng := len(meta.Genres)
	type acc struct{ cnt, sum []float64 }
	per := map[int32]*acc{}
	for _, r := range t.Ratings {
		meta.NewestTimestamp = max(meta.NewestTimestamp, r.Timestamp)
		a := per[r.UserID]
		if a == nil {
			a = &acc{make([]float64, ng), make([]float64, ng)}
			per[r.UserID] = a
		}
		for _, g := range gIdx[r.MovieID] {
			a.cnt[g]++
			a.sum[g] += float64(r.Rating)
		}
	}
	rows := make([]UserRow, len(t.Users))
	var act, mean, sd, rec, span []float64
	for i, u := range t.Users {
		days := float64(meta.NewestTimestamp-u.LastTimestamp) / 86400
		r := UserRow{UserID: u.UserID, RatingCount: u.RatingCount, RatingMean: u.RatingMean, RatingStd: u.RatingStd,
			DaysSinceLast: float32(days), GenreAffinity: make([]float32, ng), GenreRating: make([]float32, ng)}
		if a := per[u.UserID]; a != nil && u.RatingCount > 0 {
			for g := range ng {
				r.GenreAffinity[g] = float32(a.cnt[g] / float64(u.RatingCount))
				if a.cnt[g] > 0 {
					r.GenreRating[g] = float32(a.sum[g]/a.cnt[g]) - u.RatingMean
				}
			}
		}
		rows[i] = r
		act = append(act, math.Log1p(float64(u.RatingCount)))
		mean = append(mean, float64(u.RatingMean))
		sd = append(sd, float64(u.RatingStd))
		rec = append(rec, math.Log1p(days))
		span = append(span, math.Log1p(float64(u.LastTimestamp-u.FirstTimestamp)/86400))
	}
	meta.Activity, meta.Mean, meta.Variability, meta.Recency, meta.Span = fitStd(act), fitStd(mean), fitStd(sd), fitStd(rec), fitStd(span)
	meta.Names = append(meta.Demographics.Names(), "activity_z", "rating_mean_z", "rating_std_z", "recency_z", "span_z")
	for _, g := range meta.Genres {
		meta.Names = append(meta.Names, "genre_share_"+g)
	}
	for _, g := range meta.Genres {
		meta.Names = append(meta.Names, "genre_rating_"+g)
	}
	for i, u := range t.Users {
		f := meta.Demographics.Encode(make([]float32, 0, len(meta.Names)), u.Age, u.Gender, u.Occupation)
		f = append(f, meta.Activity.Apply(act[i]), meta.Mean.Apply(mean[i]), meta.Variability.Apply(sd[i]),
			meta.Recency.Apply(rec[i]), meta.Span.Apply(span[i]))
		f = append(f, rows[i].GenreAffinity...)
		f = append(f, rows[i].GenreRating...)
		rows[i].Features = f
	}
	return rows, meta
}

// WriteUserMeta writes meta as indented JSON to path atomically, with mode
// 0644 like the stage's other outputs.
func WriteUserMeta(path string, meta UserMeta) error {
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("user features metadata: %w", err)
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// ReadUserMeta reads user_features.json.
func ReadUserMeta(path string) (UserMeta, error) {
	var m UserMeta
	b, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("user features metadata: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
