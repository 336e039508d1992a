// Package minilm is the search index's second dense embedder: a pre-trained
// sentence-transformers model (all-MiniLM-L6-v2, or any BERT exported the
// same way) read from local files - tokenizer.json and model.onnx - and run
// in pure Go through github.com/knights-analytics/hugot (GoMLX backend). A
// text's vector is the mean of the model's last hidden states over the
// attention mask, L2-normalised, as sentence-transformers computes it.
//
// It implements search.Embedder. Building an index embeds every movie's
// document text once (batched, with progress) and caches the vectors next to
// the index (VectorsFile); serving then loads the model, reads the cache and
// embeds only the query.
//
// The model runner is compiled only with the build tag "hugot" (see
// docs/dependencies.md: hugot brings GoMLX and onnx-gomlx); without it Load
// returns ErrNotBuilt, and everything else here (document texts, the vector
// cache) still works.
package minilm

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/download"
	"github.com/moviegenie/genie/internal/search"
)

// Name is the embedder's name in search results, reports and file names.
const Name = "minilm"

// DefaultModelDir is where `genie models pull all-MiniLM-L6-v2` puts the
// model.
const DefaultModelDir = "models/pretrained/all-MiniLM-L6-v2"

// Model folder files.
const (
	ModelFile     = "model.onnx"
	TokenizerFile = "tokenizer.json"
	ConfigFile    = "config.json"
)

// VectorsFile is the cached catalogue vectors inside a search index folder.
const VectorsFile = "minilm.bin"

// ErrNotBuilt is returned by Load in a binary built without the "hugot" tag.
var ErrNotBuilt = errors.New("the sentence-transformers (minilm) embedder is not compiled into this genie: " +
	"rebuild with `go build -tags hugot ./cmd/genie` (see docs/search.md)")

// ErrNoVectors means the index folder has no cached minilm vectors, or
// vectors made by another model or from another catalogue.
var ErrNoVectors = errors.New("no minilm vectors for this index and model")

// Options configure Load; zero fields take defaults.
type Options struct {
	// BatchSize is how many documents EmbedMovies runs through the model at
	// once (default 32).
	BatchSize int
	// MaxTokens caps a text's length in word pieces, [CLS] and [SEP]
	// included (default: max_seq_length from sentence_bert_config.json
	// when the folder has one, else 256 as sentence-transformers uses for
	// all-MiniLM-L6-v2; never above max_position_embeddings from
	// config.json).
	MaxTokens int
	// Progress, when set, is called by EmbedMovies after each batch with
	// the number of movies embedded so far and the total.
	Progress func(done, total int)
}

func (o *Options) defaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
}

// docTextVersion changes whenever DocumentText changes, so that cached
// vectors of the old texts are not reused.
const docTextVersion = 1

// DocumentText is what the model reads for a movie: the display title with
// its year, the genres, the tags and the overview, as sentences -
// "Toy Story (1995). Animation, Children's, Comedy. Tags: pixar, toys. <overview>".
func DocumentText(m *search.Movie) string {
	var b strings.Builder
	b.WriteString(search.DisplayTitle(m.Title))
	if m.Year != 0 {
		fmt.Fprintf(&b, " (%d)", m.Year)
	}
	b.WriteString(".")
	if len(m.Genres) > 0 {
		b.WriteString(" " + strings.Join(m.Genres, ", ") + ".")
	}
	if len(m.Tags) > 0 {
		tags := m.Tags
		if len(tags) > 10 {
			tags = tags[:10]
		}
		b.WriteString(" Tags: " + strings.Join(tags, ", ") + ".")
	}
	if m.Overview != "" {
		b.WriteString(" " + m.Overview)
	}
	return b.String()
}

// ModelFingerprint identifies a model folder's contents: the SHA-256 of its
// model.onnx and tokenizer.json, the pooling and the document-text version.
// Cached vectors are used only with the fingerprint they were made with.
func ModelFingerprint(ctx context.Context, dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "minilm mean-pooling l2 doc-text v%d\n", docTextVersion)
	for _, name := range []string{ModelFile, TokenizerFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("fingerprint model %s: %w", dir, err)
		}
		fh := sha256.New()
		_, err = io.Copy(fh, download.ContextReader(ctx, f))
		f.Close()
		if err != nil {
			return "", fmt.Errorf("fingerprint model %s: %s: %w", dir, name, err)
		}
		fmt.Fprintf(h, "%s %x\n", name, fh.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// catalogueHash identifies the movies and their document texts.
func catalogueHash(movies []search.Movie) string {
	h := sha256.New()
	for i := range movies {
		fmt.Fprintf(h, "%d\t%s\n", movies[i].ID, strconv.Quote(DocumentText(&movies[i])))
	}
	return hex.EncodeToString(h.Sum(nil))
}

const vectorsMagic = "GENIE-MV1"

// WriteVectors caches a catalogue's vectors in indexDir/VectorsFile
// (atomically), tagged with the model fingerprint and the catalogue, so that
// ReadVectors returns them only for the same model and movies.
func WriteVectors(indexDir, fingerprint string, movies []search.Movie, vecs [][]float32) error {
	if len(vecs) != len(movies) {
		return fmt.Errorf("write %s: %d vectors for %d movies", VectorsFile, len(vecs), len(movies))
	}
	dim := 0
	for _, v := range vecs {
		if v != nil {
			dim = len(v)
			break
		}
	}
	path := filepath.Join(indexDir, VectorsFile)
	err := atomicfile.WriteWith(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(vectorsMagic)
		for _, s := range []string{fingerprint, catalogueHash(movies)} {
			binary.Write(bw, binary.LittleEndian, uint32(len(s)))
			bw.WriteString(s)
		}
		binary.Write(bw, binary.LittleEndian, [2]uint32{uint32(dim), uint32(len(vecs))})
		var buf [4]byte
		zero := make([]float32, dim)
		for i, v := range vecs {
			has := byte(1)
			if v == nil {
				has, v = 0, zero
			} else if len(v) != dim {
				return fmt.Errorf("movie %d: %d dimensions, want %d", movies[i].ID, len(v), dim)
			}
			binary.LittleEndian.PutUint32(buf[:], uint32(movies[i].ID))
			bw.Write(buf[:])
			bw.WriteByte(has)
			for _, x := range v {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(x))
				bw.Write(buf[:])
			}
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("cache minilm vectors: %w", err)
	}
	return nil
}

// ReadVectors reads the vectors WriteVectors cached for these movies and
// this model fingerprint. A missing file, another model's vectors or another
// catalogue's give an error wrapping ErrNoVectors.
func ReadVectors(indexDir, fingerprint string, movies []search.Movie) ([][]float32, error) {
	path := filepath.Join(indexDir, VectorsFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w (build them with `genie search index --embedder minilm`)", path, ErrNoVectors)
	}
	if err != nil {
		return nil, fmt.Errorf("read minilm vectors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read minilm vectors: %w", err)
	}
	r := bufio.NewReader(f)
	magic := make([]byte, len(vectorsMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != vectorsMagic {
		return nil, fmt.Errorf("read %s: not a minilm vectors file", path)
	}
	readStr := func() (string, error) {
		var n uint32
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
			return "", err
		}
		if n > 1024 {
			return "", fmt.Errorf("header string of %d bytes: corrupt file", n)
		}
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return string(b), err
	}
	fp, err := readStr()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	cat, err := readStr()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	rebuild := "rebuild with `genie search index --embedder minilm`"
	if fp != fingerprint {
		return nil, fmt.Errorf("read %s: %w: they were made by another model (%s…, this one is %s…); %s",
			path, ErrNoVectors, short(fp), short(fingerprint), rebuild)
	}
	if cat != catalogueHash(movies) {
		return nil, fmt.Errorf("read %s: %w: they were made from another catalogue; %s", path, ErrNoVectors, rebuild)
	}
	var hdr [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	dim, n := int(hdr[0]), int(hdr[1])
	if n != len(movies) || dim > 1<<16 || int64(n)*int64(5+4*dim) > st.Size() {
		return nil, fmt.Errorf("read %s: %d vectors of %d dimensions for %d movies in %d bytes: corrupt file", path, n, dim, len(movies), st.Size())
	}
	out := make([][]float32, n)
	flat := make([]float32, n*dim)
	var buf [4]byte
	for i := range n {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if id := int32(binary.LittleEndian.Uint32(buf[:])); id != movies[i].ID {
			return nil, fmt.Errorf("read %s: movie %d where the catalogue has %d: corrupt file", path, id, movies[i].ID)
		}
		has, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		v := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range v {
			if _, err := io.ReadFull(r, buf[:]); err != nil {
				return nil, fmt.Errorf("read %s: %w", path, err)
			}
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[:]))
		}
		if has == 1 {
			out[i] = v
		}
	}
	return out, nil
}

// IndexVectors embeds every movie of the index with e and caches the
// vectors in indexDir (the index stage's part); it also makes e the index's
// dense embedder.
func IndexVectors(ctx context.Context, ix *search.Index, e *Embedder, indexDir string) error {
	vecs, err := e.EmbedMovies(ctx, ix.Movies())
	if err != nil {
		return fmt.Errorf("index minilm vectors: %w", err)
	}
	if err := WriteVectors(indexDir, e.Fingerprint(), ix.Movies(), vecs); err != nil {
		return err
	}
	return ix.AddEmbedderVectors(e, vecs)
}

// Attach reads the cached vectors of the index in indexDir and makes e the
// index's dense embedder: serving embeds only the queries.
func Attach(ix *search.Index, e *Embedder, indexDir string) error {
	vecs, err := ReadVectors(indexDir, e.Fingerprint(), ix.Movies())
	if err != nil {
		return err
	}
	return ix.AddEmbedderVectors(e, vecs)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// checkModelDir reports a clear error when dir lacks the model's files.
func checkModelDir(dir string) error {
	for _, name := range []string{ModelFile, TokenizerFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("load minilm model: %s has no %s (download it with `genie models pull all-MiniLM-L6-v2`, or pass --model-dir)", dir, name)
			}
			return fmt.Errorf("load minilm model: %w", err)
		}
	}
	return nil
}
