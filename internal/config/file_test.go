package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// section is a model section as the model packages declare theirs.
type section struct {
	Name   string  `yaml:"-"`
	Size   int     `yaml:"hidden_size"`
	Rate   float64 `yaml:"learning_rate"`
	Dims   []int   `yaml:"hidden_dims"`
	Seed   *uint64 `yaml:"seed"`
	hidden int
}

const modelParams = `# header comment

data:
  dataset: ml-100k

model_training:
  # the sequential model
  sasrec:
    hidden_size: 64

    learning_rate: 0.5
  two_tower:
    hidden_dims: [8, x]
`

func TestFileDecode(t *testing.T) {
	f, err := Parse("p.yaml", []byte(modelParams))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		keys    []string
		yaml    string // parsed instead of modelParams when set
		wantErr string
		want    section
	}{
		{name: "keys over defaults", keys: []string{"model_training", "sasrec"}, want: section{Size: 64, Rate: 0.5, Dims: []int{1}}},
		{name: "missing section keeps the defaults", keys: []string{"model_training", "bert4rec"}, want: section{Size: 1, Rate: 1, Dims: []int{1}}},
		{name: "line of the file", keys: []string{"model_training", "two_tower"},
			wantErr: `p.yaml: line 13: model_training.two_tower.hidden_dims: expected a list of integers, got "x" as item 2`},
		{name: "unknown key", keys: []string{"model_training", "sasrec"}, yaml: "model_training:\n  sasrec:\n    hiden_size: 3\n",
			wantErr: "p.yaml: line 3: field hiden_size not found in model_training.sasrec (known keys: hidden_size, learning_rate, hidden_dims, seed)"},
		{name: "field without a key", keys: []string{"model_training", "sasrec"}, yaml: "model_training:\n  sasrec:\n    name: x\n",
			wantErr: "line 3: field name not found"},
		{name: "scalar type", keys: []string{"model_training", "sasrec"}, yaml: "model_training:\n  sasrec:\n    hidden_size: abc\n",
			wantErr: `p.yaml: line 3: model_training.sasrec.hidden_size: expected an integer, got "abc"`},
		{name: "null value keeps the default", keys: []string{"model_training", "sasrec"}, yaml: "model_training:\n  sasrec:\n    hidden_size:\n",
			want: section{Size: 1, Rate: 1, Dims: []int{1}}},
		{name: "pointer", keys: []string{"model_training", "sasrec"}, yaml: "model_training:\n  sasrec:\n    seed: 7\n",
			want: section{Size: 1, Rate: 1, Dims: []int{1}, Seed: new(uint64(7))}},
		{name: "not a mapping", keys: []string{"model_training", "sasrec"}, yaml: "model_training:\n  sasrec: 3\n",
			wantErr: `p.yaml: line 2: model_training.sasrec: expected a mapping of keys, got "3"`},
		{name: "alias", keys: []string{"model_training", "bert4rec"}, yaml: "model_training:\n  sasrec: &s\n    hidden_size: 5\n  bert4rec: *s\n",
			want: section{Size: 5, Rate: 1, Dims: []int{1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f
			if tc.yaml != "" {
				var err error
				if f, err = Parse("p.yaml", []byte(tc.yaml)); err != nil {
					t.Fatal(err)
				}
			}
			got := section{Size: 1, Rate: 1, Dims: []int{1}}
			err := f.Decode(&got, tc.keys...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Size != tc.want.Size || got.Rate != tc.want.Rate || !slices.Equal(got.Dims, tc.want.Dims) ||
				(got.Seed == nil) != (tc.want.Seed == nil) || (got.Seed != nil && *got.Seed != *tc.want.Seed) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFileLocate(t *testing.T) {
	f, err := Parse("p.yaml", []byte(modelParams))
	if err != nil {
		t.Fatal(err)
	}
	sentinel := errors.New("bad config")
	err = errors.Join(
		&ValueError{Key: "model_training.sasrec.learning_rate", Want: "a finite number > 0", Got: -1, Err: sentinel},
		&ValueError{Key: "model_training.sasrec.num_heads", Want: "a divisor of hidden_size 64", Got: 3},
	)
	err = f.Locate(err)
	want := "p.yaml: line 11: model_training.sasrec.learning_rate: expected a finite number > 0, got -1\n" +
		"model_training.sasrec.num_heads: expected a divisor of hidden_size 64, got 3"
	if err == nil || err.Error() != want {
		t.Errorf("Locate = %q, want %q", err, want)
	}
	if !errors.Is(err, sentinel) {
		t.Error("Locate lost the wrapped error")
	}
	if f.Locate(nil) != nil {
		t.Error("Locate(nil) is not nil")
	}
	var none *File
	if err := none.Decode(&section{}, "model_training", "sasrec"); err != nil {
		t.Errorf("Decode without a file: %v", err)
	}
	if got := none.Locate(&ValueError{Key: "a.b", Want: "1", Got: 2}); got.Error() != "a.b: expected 1, got 2" {
		t.Errorf("Locate without a file: %v", got)
	}
}

func TestReadFileMissing(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "absent.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}
