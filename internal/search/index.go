package search

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/dataset"
)

// FormatVersion is the index artefacts' format version.
const FormatVersion = 1

// Artefact file names inside an index folder.
const (
	ManifestFile   = "manifest.json"
	CatalogFile    = "catalog.json"
	NeighboursFile = "neighbours.bin"
	DenseFile      = "collab_text.bin"
)

// ErrNoIndex is returned by Open when the folder holds no search index.
var ErrNoIndex = errors.New("no search index (run `genie search index`)")

// Index is a loaded search index: the catalogue, its lexical index, item
// neighbours and the dense vectors of one or more embedders. It is safe for
// concurrent searches once built; it is never mutated by Search.
type Index struct {
	movies []Movie
	pos    map[int32]int32
	prior  []float32
	// genres[i] is movie i's genre set as bits of genreBit.
	genres     []uint32
	genreBit   map[string]uint32
	lex        *lexIndex
	neighbours [][]Neighbour
	collab     *CollabText
	// embedders and their movie vectors, by name; dense is the default.
	embedders map[string]denseSpace
	dense     string
}

// denseSpace is an embedder with the catalogue embedded by it, stored
// contiguously (row d of flat is movie d; has[d] is false for a movie the
// embedder could not embed).
type denseSpace struct {
	emb  Embedder
	dim  int
	flat []float32
	has  []bool
}

// vec returns movie d's vector, or nil.
func (s *denseSpace) vec(d int32) []float32 {
	if !s.has[d] {
		return nil
	}
	return s.flat[int(d)*s.dim : (int(d)+1)*s.dim : (int(d)+1)*s.dim]
}

// BuildOptions configure Build.
type BuildOptions struct {
	// Neighbours per movie (default NeighboursPerMovie).
	Neighbours int
	// Dense configures the default embedder's training.
	Dense CollabTextOptions
}

// Build makes an index from the processed tables.
func Build(ctx context.Context, t *dataset.Tables, opt BuildOptions) (*Index, error) {
	movies := CatalogFromTables(t)
	return BuildFromCatalog(ctx, movies, t.Ratings, opt)
}

// BuildFromCatalog makes an index from a catalogue and ratings (ratings of
// movies outside the catalogue are ignored).
func BuildFromCatalog(ctx context.Context, movies []Movie, ratings []dataset.Rating, opt BuildOptions) (*Index, error) {
	if len(movies) == 0 {
		return nil, errors.New("build search index: empty catalogue")
	}
	if opt.Neighbours <= 0 {
		opt.Neighbours = NeighboursPerMovie
	}
	in := groupRatings(movies, ratings)
	nb, err := computeNeighbours(ctx, in, opt.Neighbours)
	if err != nil {
		return nil, fmt.Errorf("build search index: %w", err)
	}
	ct, err := TrainCollabText(ctx, movies, in, opt.Dense)
	if errors.Is(err, ErrTooFewRatings) {
		ct = nil // lexical search still works
	} else if err != nil {
		return nil, fmt.Errorf("build search index: %w", err)
	}
	return newIndex(ctx, movies, nb, ct)
}

// newIndex assembles the in-memory index from its stored parts.
func newIndex(ctx context.Context, movies []Movie, nb [][]Neighbour, ct *CollabText) (*Index, error) {
	ix := &Index{movies: movies, pos: make(map[int32]int32, len(movies)), neighbours: nb, collab: ct,
		embedders: map[string]denseSpace{}}
	for i, m := range movies {
		ix.pos[m.ID] = int32(i)
	}
	ix.prior = qualityPrior(movies)
	ix.genreBit = map[string]uint32{}
	ix.genres = make([]uint32, len(movies))
	for i, m := range movies {
		for _, g := range m.Genres {
			b, ok := ix.genreBit[g]
			if !ok && len(ix.genreBit) < 32 {
				b = 1 << len(ix.genreBit)
				ix.genreBit[g] = b
			}
			ix.genres[i] |= b
		}
	}
	ix.lex = newLexIndex(movies)
	if ct != nil {
		if err := ix.AddEmbedder(ctx, ct); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// AddEmbedder embeds the catalogue with e and makes it the index's dense
// embedder (the one Search uses).
func (ix *Index) AddEmbedder(ctx context.Context, e Embedder) error {
	vecs, err := e.EmbedMovies(ctx, ix.movies)
	if err != nil {
		return fmt.Errorf("embedder %s: %w", e.Name(), err)
	}
	return ix.AddEmbedderVectors(e, vecs)
}

// Movies returns the catalogue in index order (ascending movie id). The
// slice is shared: do not modify it.
func (ix *Index) Movies() []Movie { return ix.movies }

// Movie returns the catalogue entry of a raw movie id.
func (ix *Index) Movie(id int32) (Movie, bool) {
	p, ok := ix.pos[id]
	if !ok {
		return Movie{}, false
	}
	return ix.movies[p], true
}

// Similar returns a movie's stored item-item neighbours as raw movie ids
// with their similarity, best first.
func (ix *Index) Similar(id int32) []Neighbour {
	p, ok := ix.pos[id]
	if !ok {
		return nil
	}
	out := make([]Neighbour, len(ix.neighbours[p]))
	for i, n := range ix.neighbours[p] {
		out[i] = Neighbour{Movie: ix.movies[n.Movie].ID, Score: n.Score}
	}
	return out
}

// genreMask is the bit set of the named genres (unknown names add nothing).
func (ix *Index) genreMask(names []string) uint32 {
	var m uint32
	for _, g := range names {
		m |= ix.genreBit[g]
	}
	return m
}

// manifest describes an index folder.
type manifest struct {
	Format     int    `json:"format"`
	Movies     int    `json:"movies"`
	Neighbours int    `json:"neighbours_per_movie"`
	Embedder   string `json:"embedder"`
	Dim        int    `json:"dim"`
	Vocabulary int    `json:"vocabulary"`
}

// Write stores the index artefacts in dir: catalog.json, neighbours.bin,
// collab_text.bin and, last, manifest.json, each atomically with mode 0644.
// The same index always writes the same bytes.
//
// The files are replaced one at a time: a failure or crash part way leaves
// each file whole, but the ones written so far are new and the rest
// (manifest.json included) are from the previous index, if any. Without a
// previous manifest, Open reports [ErrNoIndex]; over a previous index, Open
// may find the mix inconsistent (or, for an index of the same sizes, load
// it), so a failed Write should be repeated.
func (ix *Index) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	k := 0
	for _, n := range ix.neighbours {
		k = max(k, len(n))
	}
	m := manifest{Format: FormatVersion, Movies: len(ix.movies), Neighbours: k}
	if ix.collab != nil {
		m.Embedder, m.Dim, m.Vocabulary = CollabTextName, ix.collab.Dim, len(ix.collab.Vocab)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{CatalogFile, func(w io.Writer) error { return writeJSON(w, ix.movies) }},
		{NeighboursFile, func(w io.Writer) error { return writeNeighbours(w, ix.neighbours) }},
		{DenseFile, func(w io.Writer) error { return writeCollab(w, ix.collab) }},
		{ManifestFile, func(w io.Writer) error { return writeJSON(w, m) }},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.write); err != nil {
			return fmt.Errorf("write search index: %w", err)
		}
	}
	return nil
}

// Open loads an index written by Write.
func Open(ctx context.Context, dir string) (*Index, error) {
	mb, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open search index %s: %w", dir, ErrNoIndex)
	}
	if err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("open search index: %s: %w", ManifestFile, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("open search index %s: format %d, this genie reads %d (rebuild with `genie search index`)", dir, m.Format, FormatVersion)
	}
	var movies []Movie
	cb, err := os.ReadFile(filepath.Join(dir, CatalogFile))
	if err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	if err := json.Unmarshal(cb, &movies); err != nil {
		return nil, fmt.Errorf("open search index: %s: %w", CatalogFile, err)
	}
	if len(movies) != m.Movies || len(movies) == 0 {
		return nil, fmt.Errorf("open search index: %s has %d movies, manifest says %d", CatalogFile, len(movies), m.Movies)
	}
	nb, err := readFile(filepath.Join(dir, NeighboursFile), func(r *bufio.Reader, _ int64) ([][]Neighbour, error) {
		return readNeighbours(r, len(movies))
	})
	if err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	ct, err := readFile(filepath.Join(dir, DenseFile), readCollab)
	if err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	return newIndex(ctx, movies, nb, ct)
}

func readFile[T any](path string, read func(*bufio.Reader, int64) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		var zero T
		return zero, err
	}
	// Readers check lengths against the file size before allocating, so a
	// corrupt length is an error, not an out-of-memory crash.
	v, err := read(bufio.NewReader(f), st.Size())
	if err != nil {
		return v, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return v, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

// writeFileAtomic writes path atomically with mode 0644 through a buffer
// (see [atomicfile.WriteWith]); on failure path is left as it was.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.WriteWith(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Binary files: a magic string, then little-endian fields.
const (
	neighboursMagic = "GENIE-NB1"
	collabMagic     = "GENIE-CT1"
)

// binWriter writes little-endian values, keeping the first error.
type binWriter struct {
	w   io.Writer
	err error
	buf [8]byte
}

func (b *binWriter) bytes(p []byte) {
	if b.err == nil {
		_, b.err = b.w.Write(p)
	}
}
func (b *binWriter) u32(v uint32)  { binary.LittleEndian.PutUint32(b.buf[:4], v); b.bytes(b.buf[:4]) }
func (b *binWriter) f32(v float32) { b.u32(math.Float32bits(v)) }
func (b *binWriter) str(s string)  { b.u32(uint32(len(s))); b.bytes([]byte(s)) }

// binReader reads what binWriter wrote, keeping the first error.
type binReader struct {
	r   io.Reader
	err error
	buf [8]byte
}

func (b *binReader) u32() uint32 {
	if b.err != nil {
		return 0
	}
	if _, b.err = io.ReadFull(b.r, b.buf[:4]); b.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b.buf[:4])
}
func (b *binReader) f32() float32 { return math.Float32frombits(b.u32()) }

// count reads a length and checks it against a sanity bound.
func (b *binReader) count(limit int) int {
	n := b.u32()
	if b.err == nil && int64(n) > int64(limit) {
		b.err = fmt.Errorf("length %d exceeds %d: corrupt file", n, limit)
	}
	if b.err != nil {
		return 0
	}
	return int(n)
}
func (b *binReader) str() string {
	n := b.count(1 << 20)
	if b.err != nil {
		return ""
	}
	p := make([]byte, n)
	_, b.err = io.ReadFull(b.r, p)
	return string(p)
}
func (b *binReader) magic(want string) {
	p := make([]byte, len(want))
	if _, b.err = io.ReadFull(b.r, p); b.err == nil && string(p) != want {
		b.err = fmt.Errorf("not a %s file", want)
	}
}

func writeNeighbours(w io.Writer, nb [][]Neighbour) error {
	b := &binWriter{w: w}
	b.bytes([]byte(neighboursMagic))
	b.u32(uint32(len(nb)))
	for _, ns := range nb {
		b.u32(uint32(len(ns)))
		for _, n := range ns {
			b.u32(uint32(n.Movie))
			b.f32(n.Score)
		}
	}
	return b.err
}

func readNeighbours(r io.Reader, movies int) ([][]Neighbour, error) {
	b := &binReader{r: r}
	b.magic(neighboursMagic)
	n := b.count(movies)
	if b.err == nil && n != movies {
		return nil, fmt.Errorf("%d movies, catalogue has %d", n, movies)
	}
	nb := make([][]Neighbour, n)
	for i := range nb {
		k := b.count(movies)
		nb[i] = make([]Neighbour, k)
		for j := range k {
			m := b.u32()
			if b.err == nil && int(m) >= movies {
				b.err = fmt.Errorf("neighbour %d out of range", m)
			}
			nb[i][j] = Neighbour{Movie: int32(m), Score: b.f32()}
		}
		if b.err != nil {
			break
		}
	}
	return nb, b.err
}

func writeCollab(w io.Writer, c *CollabText) error {
	b := &binWriter{w: w}
	b.bytes([]byte(collabMagic))
	if c == nil {
		b.u32(0)
		return b.err
	}
	b.u32(uint32(c.Dim))
	b.u32(uint32(len(c.Vocab)))
	for i, v := range c.Vocab {
		b.str(v)
		b.f32(c.IDF[i])
	}
	var buf bytes.Buffer
	for _, x := range c.W {
		binary.Write(&buf, binary.LittleEndian, x)
	}
	b.bytes(buf.Bytes())
	buf.Reset()
	b.u32(uint32(len(c.ItemIDs)))
	for _, id := range c.ItemIDs {
		b.u32(uint32(id))
	}
	for _, x := range c.ItemVecs {
		binary.Write(&buf, binary.LittleEndian, x)
	}
	b.bytes(buf.Bytes())
	return b.err
}

func readCollab(r *bufio.Reader, size int64) (*CollabText, error) {
	b := &binReader{r: r}
	b.magic(collabMagic)
	dim := b.count(4096)
	if b.err != nil || dim == 0 {
		return nil, b.err
	}
	c := &CollabText{Dim: dim}
	nv := b.count(1 << 24)
	c.Vocab = make([]string, 0, min(nv, 1<<16))
	c.IDF = make([]float32, 0, min(nv, 1<<16))
	for range nv {
		c.Vocab = append(c.Vocab, b.str())
		c.IDF = append(c.IDF, b.f32())
		if b.err != nil {
			return nil, b.err
		}
	}
	if int64(nv)*int64(dim)*4 > size {
		return nil, fmt.Errorf("encoder of %d x %d floats exceeds the file's %d bytes: corrupt file", nv, dim, size)
	}
	c.W = make([]float32, nv*dim)
	for i := range c.W {
		c.W[i] = b.f32()
	}
	ni := b.count(1 << 26)
	if int64(ni)*int64(dim+1)*4 > size {
		return nil, fmt.Errorf("%d item vectors exceed the file's %d bytes: corrupt file", ni, size)
	}
	c.ItemIDs = make([]int32, ni)
	for i := range c.ItemIDs {
		c.ItemIDs[i] = int32(b.u32())
	}
	if b.err != nil {
		return nil, b.err
	}
	c.ItemVecs = make([]float32, ni*dim)
	for i := range c.ItemVecs {
		c.ItemVecs[i] = b.f32()
	}
	if b.err != nil {
		return nil, b.err
	}
	return c, nil
}
