package twotower

import (
	"slices"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/model"
)

// TrainDataFromTables is every processed rating as training data: users
// of the users table and every movie of the catalogue (unrated ones are
// reached through their content), each history in time order. It is what
// genie train two-tower fits the serving model on.
func TrainDataFromTables(t *dataset.Tables) *model.TrainData {
	td := &model.TrainData{}
	for _, u := range t.Users {
		td.UserIDs = append(td.UserIDs, int64(u.UserID))
	}
	for _, m := range t.Movies {
		td.ItemIDs = append(td.ItemIDs, int64(m.MovieID))
	}
	slices.Sort(td.UserIDs)
	slices.Sort(td.ItemIDs)
	td.NumUsers, td.NumItems = len(td.UserIDs), len(td.ItemIDs)
	users := make(map[int64]int, td.NumUsers)
	for i, id := range td.UserIDs {
		users[id] = i
	}
	items := make(map[int64]int32, td.NumItems)
	for i, id := range td.ItemIDs {
		items[id] = int32(i)
	}
	type ev struct {
		seq  int32
		item int32
	}
	per := make([][]ev, td.NumUsers)
	for _, r := range t.Ratings {
		u, ok := users[int64(r.UserID)]
		it, ok2 := items[int64(r.MovieID)]
		if ok && ok2 {
			per[u] = append(per[u], ev{r.UserSeq, it})
		}
	}
	td.Seqs = make([][]int32, td.NumUsers)
	for u, evs := range per {
		slices.SortFunc(evs, func(a, b ev) int { return int(a.seq) - int(b.seq) })
		for _, e := range evs {
			td.Seqs[u] = append(td.Seqs[u], e.item)
		}
	}
	return td
}
