// Package evaltest provides test fixtures for the evaluation harness and the
// models it drives: a reader for MovieLens u.data, the params.yaml rating
// filters, and a small generated dataset for tests without the real data.
package evaltest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
)

// ML100KDir is where the shared ml-100k copy lives on the development
// machines; the GENIE_ML100K_DIR environment variable overrides it.
const ML100KDir = "/work/shared/datasets/ml-100k"

// ReadUData reads a MovieLens u.data file (tab-separated user, item, rating,
// timestamp) in file order.
func ReadUData(path string) ([]eval.Interaction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read u.data: %w", err)
	}
	defer f.Close()
	var out []eval.Interaction
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fs := strings.Split(text, "\t")
		if len(fs) != 4 {
			return nil, fmt.Errorf("read %s: line %d: want 4 fields, got %d", path, line, len(fs))
		}
		var v [4]float64
		for i, s := range fs {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("read %s: line %d: field %d: %w", path, line, i+1, err)
			}
			v[i] = x
		}
		out = append(out, eval.Interaction{User: int64(v[0]), Item: int64(v[1]), Rating: float32(v[2]), Timestamp: int64(v[3])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// Filter keeps the interactions of users with at least minUser and items
// with at least minItem interactions, repeating both filters until both hold
// (a fixed point), in the original order.
func Filter(in []eval.Interaction, minUser, minItem int) []eval.Interaction {
	cur := in
	for {
		uc := map[int64]int{}
		ic := map[int64]int{}
		for _, x := range cur {
			uc[x.User]++
			ic[x.Item]++
		}
		next := make([]eval.Interaction, 0, len(cur))
		for _, x := range cur {
			if uc[x.User] >= minUser && ic[x.Item] >= minItem {
				next = append(next, x)
			}
		}
		if len(next) == len(cur) {
			return next
		}
		cur = next
	}
}

// ML100K returns the processed ml-100k ratings (users >= 20 ratings, movies
// >= 5, to a fixed point) in u.data order, or skips the test when the
// dataset is absent.
func ML100K(tb testing.TB) []eval.Interaction {
	tb.Helper()
	dir := ML100KDir
	if d := os.Getenv("GENIE_ML100K_DIR"); d != "" {
		dir = d
	}
	path := filepath.Join(dir, "u.data")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("ml-100k not available: %v", err)
	}
	in, err := ReadUData(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Filter(in, 20, 5)
}

// ML100KDataset is ML100K indexed into an eval.Dataset.
func ML100KDataset(tb testing.TB) *eval.Dataset {
	tb.Helper()
	d, err := eval.NewDataset(ML100K(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// Synthetic generates a small deterministic dataset with sequential
// structure: users walk a ring of items (mostly stepping to the next item,
// sometimes jumping), with popularity skew and occasional equal timestamps.
// Raw ids are offset and scattered so that dense and raw ids differ.
func Synthetic(seed uint64, users, items, perUser int) []eval.Interaction {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []eval.Interaction
	for u := range users {
		seen := map[int]bool{}
		cur := r.IntN(items)
		ts := int64(1_000_000 + r.IntN(1000))
		for len(seen) < perUser && len(seen) < items {
			if !seen[cur] {
				seen[cur] = true
				out = append(out, eval.Interaction{
					User:      int64(10 + 3*u),
					Item:      int64(100 + 7*cur),
					Rating:    float32(1 + r.IntN(5)),
					Timestamp: ts,
				})
				if r.IntN(4) != 0 {
					ts += int64(1 + r.IntN(100))
				}
			}
			if r.IntN(5) == 0 {
				cur = min(r.IntN(items), r.IntN(items))
			} else {
				cur = (cur + 1) % items
			}
		}
	}
	// Interleave users like a log file: shuffle, then the per-user order
	// is only recoverable from timestamps.
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
