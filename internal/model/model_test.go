package model

import (
	"slices"
	"testing"
)

func TestTrainDataCounts(t *testing.T) {
	d := &TrainData{NumUsers: 2, NumItems: 3, Seqs: [][]int32{{0, 2}, {2, 2, 1}}}
	if got := d.NumInteractions(); got != 5 {
		t.Errorf("NumInteractions = %d, want 5", got)
	}
	if got := d.ItemCounts(); !slices.Equal(got, []int{1, 1, 3}) {
		t.Errorf("ItemCounts = %v, want [1 1 3]", got)
	}
}
