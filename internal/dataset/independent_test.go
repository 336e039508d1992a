package dataset

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestIndependentReader reads our Parquet outputs with Apache Arrow's Go
// implementation, a second, unrelated Parquet library, and checks the
// schema and values agree with what we wrote.
func TestIndependentReader(t *testing.T) {
	dir := sharedDatasetOrSynth(t)
	opt := defaultOptions("independent")
	opt.MinInteractions = 1
	tables, _ := process(t, dir, opt)
	out := t.TempDir()
	if err := tables.Write(out); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file    string
		rows    int
		columns int
	}{
		{RatingsFile, len(tables.Ratings), 8},
		{MoviesFile, len(tables.Movies), 25},
		{UsersFile, len(tables.Users), 10},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rdr, err := file.OpenParquetFile(filepath.Join(out, tc.file), false)
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Close()
			if got := int(rdr.NumRows()); got != tc.rows {
				t.Errorf("rows %d, want %d", got, tc.rows)
			}
			fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := fr.ReadTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			if int(tbl.NumCols()) != tc.columns {
				t.Errorf("columns %d, want %d (%v)", tbl.NumCols(), tc.columns, tbl.Schema())
			}
			if tc.file != RatingsFile {
				return
			}
			// Compare every user id and rating value.
			sch := tbl.Schema()
			ui := sch.FieldIndices("user_id")[0]
			ri := sch.FieldIndices("rating")[0]
			row := 0
			uchunks := tbl.Column(ui).Data().Chunks()
			rchunks := tbl.Column(ri).Data().Chunks()
			for c := range uchunks {
				us := uchunks[c].(*array.Int32)
				rs := rchunks[c].(*array.Float32)
				for k := 0; k < us.Len(); k++ {
					if us.Value(k) != tables.Ratings[row].UserID || rs.Value(k) != tables.Ratings[row].Rating {
						t.Fatalf("row %d: arrow reads user %d rating %v, we wrote %+v", row, us.Value(k), rs.Value(k), tables.Ratings[row])
					}
					row++
				}
			}
			if row != tc.rows {
				t.Errorf("compared %d rows, want %d", row, tc.rows)
			}
		})
	}
}
