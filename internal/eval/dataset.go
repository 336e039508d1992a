// Package eval implements Movie Genie's offline evaluation protocols exactly
// as docs/product.md ("Protocols we use") defines them: the sequential
// leave-one-out protocol (full ranking with seen items filtered, plus the
// popularity-sampled-100 variant), the TFRS-style random 80/20 retrieval
// protocol and the RecBole-style random 8:1:1 per-user protocol.
//
// The harness is independent of how ratings are stored: callers hand it the
// processed ratings as a slice of Interaction in source-file order. Models
// plug in through model.Recommender and model.Spec; the harness splits the
// data, tunes each model's candidates on the validation phase, refits where
// the protocol says so, ranks, computes the metrics and optionally exports the
// test-phase rankings (DIR/<model>.<protocol>.jsonl) for an independent
// scorer.
//
// Ranking ties are always broken towards the lower raw item id.
package eval

import (
	"errors"
	"fmt"
	"slices"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/model"
)

// Interaction is one processed rating with raw MovieLens ids. Every rating is
// one implicit interaction; Rating is carried along but no protocol uses it.
type Interaction struct {
	User, Item int64
	Rating     float32
	Timestamp  int64
}

// Dataset is the processed ratings in dense form, in source-file order.
//
// Dense user and item indices follow ascending raw ids, so comparing dense
// item indices compares raw item ids.
type Dataset struct {
	// UserIDs and ItemIDs map dense indices to raw ids (ascending).
	UserIDs, ItemIDs []int64
	// Users, Items and Timestamps are per interaction, in source-file order.
	Users, Items []int32
	Timestamps   []int64
}

// ErrEmpty is returned when a dataset has no interactions.
var ErrEmpty = errors.New("eval: no interactions")

// NewDataset indexes interactions (in source-file order) into a Dataset.
func NewDataset(in []Interaction) (*Dataset, error) {
	if len(in) == 0 {
		return nil, ErrEmpty
	}
	if len(in) > 1<<31-1 {
		return nil, fmt.Errorf("eval: %d interactions exceed the int32 index space", len(in))
	}
	users := make([]int64, 0, len(in))
	items := make([]int64, 0, len(in))
	for _, x := range in {
		users = append(users, x.User)
		items = append(items, x.Item)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	slices.Sort(items)
	items = slices.Compact(items)
	uidx := make(map[int64]int32, len(users))
	for i, u := range users {
		uidx[u] = int32(i)
	}
	iidx := make(map[int64]int32, len(items))
	for i, it := range items {
		iidx[it] = int32(i)
	}
	ds := &Dataset{
		UserIDs:    slices.Clip(users),
		ItemIDs:    slices.Clip(items),
		Users:      make([]int32, len(in)),
		Items:      make([]int32, len(in)),
		Timestamps: make([]int64, len(in)),
	}
	for k, x := range in {
		ds.Users[k] = uidx[x.User]
		ds.Items[k] = iidx[x.Item]
		ds.Timestamps[k] = x.Timestamp
	}
	return ds, nil
}

// Len returns the number of interactions.
func (d *Dataset) Len() int { return len(d.Users) }

// NumUsers returns the number of distinct users.
func (d *Dataset) NumUsers() int { return len(d.UserIDs) }

// NumItems returns the number of distinct items.
func (d *Dataset) NumItems() int { return len(d.ItemIDs) }

// ItemCounts returns each item's number of interactions in the whole dataset.
func (d *Dataset) ItemCounts() []int {
	c := make([]int, d.NumItems())
	for _, it := range d.Items {
		c[it]++
	}
	return c
}

// trainData wraps per-user sequences into model.TrainData for this dataset.
func (d *Dataset) trainData(seqs [][]int32) *model.TrainData {
	return &model.TrainData{
		NumUsers: d.NumUsers(),
		NumItems: d.NumItems(),
		UserIDs:  d.UserIDs,
		ItemIDs:  d.ItemIDs,
		Seqs:     seqs,
	}
}

// FromRatings returns processed ratings as interactions, in their order.
func FromRatings(rs []dataset.Rating) []Interaction {
	in := make([]Interaction, len(rs))
	for i, r := range rs {
		in[i] = Interaction{User: int64(r.UserID), Item: int64(r.MovieID), Rating: r.Rating, Timestamp: r.Timestamp}
	}
	return in
}
