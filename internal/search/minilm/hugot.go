//go:build hugot

package minilm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/knights-analytics/hugot"
	"github.com/knights-analytics/hugot/pipelines"
	"github.com/sugarme/tokenizer"
	"golang.org/x/text/unicode/norm"

	"github.com/moviegenie/genie/internal/search"
)

// Compiled reports whether this binary has the hugot model runner.
const Compiled = true

// Embedder runs a sentence-transformers BERT (tokenizer.json + model.onnx)
// through hugot's feature-extraction pipeline on the pure-Go GoMLX backend:
// mean pooling over the attention mask, then L2 normalisation. It is safe
// for concurrent use (GoMLX executions are).
type Embedder struct {
	dir          string
	opts         Options
	session      *hugot.Session
	pipe         *pipelines.FeatureExtractionPipeline
	dim          int
	maxTokens    int
	stripAccents bool
	fingerprint  string
}

var _ search.Embedder = (*Embedder)(nil)

// Load reads the model in dir: model.onnx, tokenizer.json and, when
// present, config.json. Loading parses the ONNX graph and hashes the files
// (Fingerprint); it does not run the model.
func Load(ctx context.Context, dir string, opts Options) (e *Embedder, err error) {
	opts.defaults()
	if err := checkModelDir(dir); err != nil {
		return nil, err
	}
	fp, err := ModelFingerprint(ctx, dir)
	if err != nil {
		return nil, err
	}
	tk, err := readTokenizerInfo(dir)
	if err != nil {
		return nil, err
	}
	maxPos := readMaxPositions(dir)
	e = &Embedder{dir: dir, opts: opts, fingerprint: fp, stripAccents: tk.stripAccents}
	e.maxTokens = opts.MaxTokens
	if e.maxTokens <= 0 {
		e.maxTokens = readMaxSeqLength(dir)
	}
	if e.maxTokens <= 0 {
		e.maxTokens = defaultMaxTokens
	}
	if maxPos > 0 {
		e.maxTokens = min(e.maxTokens, maxPos)
	}
	// GoMLX reports failures by panicking; they become errors here.
	defer func() {
		if r := recover(); r != nil {
			if e != nil && e.session != nil {
				e.session.Destroy()
			}
			e, err = nil, fmt.Errorf("load minilm model %s: %v", dir, r)
		}
	}()
	s, err := hugot.NewGoSession()
	if err != nil {
		return nil, fmt.Errorf("load minilm model %s: %w", dir, err)
	}
	e.session = s
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	pipe, err := hugot.NewPipeline(s, hugot.FeatureExtractionConfig{
		ModelPath:    abs,
		Name:         Name,
		OnnxFilename: ModelFile,
		Options:      []hugot.FeatureExtractionOption{pipelines.WithNormalization()},
	})
	if err != nil {
		s.Destroy()
		return nil, fmt.Errorf("load minilm model %s: %w", dir, err)
	}
	e.pipe = pipe
	// The length limit replaces tokenizer.json's own truncation (128 in
	// all-MiniLM-L6-v2's, where sentence-transformers reads 256) and
	// hugot's (max_position_embeddings, or none without config.json, and
	// cut after [SEP]): the tokenizer truncates, keeping [CLS] and [SEP].
	if tk := pipe.Model.Tokenizer; tk != nil {
		if tk.GoTokenizer != nil {
			tk.GoTokenizer.Tokenizer.WithTruncation(&tokenizer.TruncationParams{MaxLength: e.maxTokens, Strategy: tokenizer.LongestFirst})
		}
		tk.MaxAllowedTokens = e.maxTokens
	}
	if d := pipe.Output.Dimensions; len(d) > 0 && d[len(d)-1] > 0 {
		e.dim = int(d[len(d)-1])
	}
	if err := ctx.Err(); err != nil {
		s.Destroy()
		return nil, fmt.Errorf("load minilm model %s: %w", dir, err)
	}
	return e, nil
}

// Name implements search.Embedder.
func (e *Embedder) Name() string { return Name }

// Fingerprint identifies the model files (see ModelFingerprint).
func (e *Embedder) Fingerprint() string { return e.fingerprint }

// Dim is the vector dimension (0 until known for a model whose ONNX output
// shape does not say).
func (e *Embedder) Dim() int { return e.dim }

// MaxTokens is the length, in word pieces, texts are cut to.
func (e *Embedder) MaxTokens() int { return e.maxTokens }

// Close releases the model.
func (e *Embedder) Close() error {
	if e.session == nil {
		return nil
	}
	err := e.session.Destroy()
	e.session = nil
	return err
}

// maxTextBytes bounds what is handed to the tokenizer; the model reads at
// most MaxTokens word pieces anyway.
const maxTextBytes = 4096

// prepare normalises a text before tokenization: control characters become
// spaces, the text is cut at maxTextBytes, and accents are stripped when
// the tokenizer asks for it (see readTokenizerInfo).
func (e *Embedder) prepare(text string) string {
	if len(text) > maxTextBytes {
		cut := maxTextBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	text = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, text)
	if e.stripAccents {
		text = stripAccents(text)
	}
	return strings.TrimSpace(text)
}

// stripAccents removes combining marks after canonical decomposition
// ("Misérables" -> "Miserables"), as BERT's uncased normaliser does.
func stripAccents(s string) string {
	isASCII := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			isASCII = false
			break
		}
	}
	if isASCII {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// run embeds non-empty texts in one model call.
func (e *Embedder) run(texts []string) (vecs [][]float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			vecs, err = nil, fmt.Errorf("run model: %v", r)
		}
	}()
	if e.pipe == nil {
		return nil, errors.New("run model: the embedder is closed")
	}
	out, err := e.pipe.RunPipeline(texts)
	if err != nil {
		return nil, fmt.Errorf("run model: %w", err)
	}
	if len(out.Embeddings) != len(texts) {
		return nil, fmt.Errorf("run model: %d vectors for %d texts", len(out.Embeddings), len(texts))
	}
	vecs = make([][]float32, len(texts))
	for i, v := range out.Embeddings {
		if e.dim == 0 {
			e.dim = len(v)
		}
		if len(v) != e.dim {
			return nil, fmt.Errorf("run model: vector of %d dimensions, want %d", len(v), e.dim)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, errors.New("run model: non-finite vector")
			}
		}
		vecs[i] = append([]float32(nil), v...)
	}
	return vecs, nil
}

// EmbedQuery implements search.Embedder. Text with no letters or digits
// gives a nil vector. The model call itself is not interruptible: ctx is
// checked before it.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	text = e.prepare(text)
	if !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("minilm: embed query: %w", err)
	}
	v, err := e.run([]string{text})
	if err != nil {
		return nil, fmt.Errorf("minilm: embed query: %w", err)
	}
	return v[0], nil
}

// EmbedTexts embeds texts in batches of Options.BatchSize, shortest texts
// together (less padding), reporting progress after each batch. An empty
// text gets a nil vector.
func (e *Embedder) EmbedTexts(ctx context.Context, texts []string) ([][]float32, error) {
	prepared := make([]string, len(texts))
	var order []int
	for i, t := range texts {
		prepared[i] = e.prepare(t)
		if prepared[i] != "" {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return len(prepared[order[a]]) < len(prepared[order[b]]) })
	out := make([][]float32, len(texts))
	done := len(texts) - len(order)
	for start := 0; start < len(order); start += e.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("minilm: embed: %w", err)
		}
		idx := order[start:min(start+e.opts.BatchSize, len(order))]
		batch := make([]string, len(idx))
		for k, i := range idx {
			batch[k] = prepared[i]
		}
		vecs, err := e.run(batch)
		if err != nil {
			return nil, fmt.Errorf("minilm: embed texts %d-%d of %d: %w", start+1, start+len(idx), len(order), err)
		}
		for k, i := range idx {
			out[i] = vecs[k]
		}
		done += len(idx)
		if e.opts.Progress != nil {
			e.opts.Progress(done, len(texts))
		}
	}
	return out, nil
}

// EmbedMovies implements search.Embedder: each movie's DocumentText.
func (e *Embedder) EmbedMovies(ctx context.Context, movies []search.Movie) ([][]float32, error) {
	texts := make([]string, len(movies))
	for i := range movies {
		texts[i] = DocumentText(&movies[i])
	}
	return e.EmbedTexts(ctx, texts)
}

// tokenizerInfo is what the embedder reads from tokenizer.json itself.
type tokenizerInfo struct {
	// stripAccents: a BertNormalizer with lowercase true and strip_accents
	// null (Hugging Face then strips accents, as all-MiniLM-L6-v2 expects)
	// or true. hugot's pure-Go tokenizer reads null as false, so the
	// embedder strips accents before tokenizing.
	stripAccents bool
}

func readTokenizerInfo(dir string) (tokenizerInfo, error) {
	var info tokenizerInfo
	b, err := os.ReadFile(filepath.Join(dir, TokenizerFile))
	if err != nil {
		return info, fmt.Errorf("load minilm model: %w", err)
	}
	var tj struct {
		Normalizer *struct {
			Type         string `json:"type"`
			Lowercase    *bool  `json:"lowercase"`
			StripAccents *bool  `json:"strip_accents"`
		} `json:"normalizer"`
		Model struct {
			Type string `json:"type"`
		} `json:"model"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		return info, fmt.Errorf("load minilm model: %s: %w", TokenizerFile, err)
	}
	if tj.Model.Type == "" {
		return info, fmt.Errorf("load minilm model: %s has no model section: not a Hugging Face tokenizers file", TokenizerFile)
	}
	if n := tj.Normalizer; n != nil && n.Type == "BertNormalizer" {
		lower := n.Lowercase == nil || *n.Lowercase
		info.stripAccents = (n.StripAccents == nil && lower) || (n.StripAccents != nil && *n.StripAccents)
	}
	return info, nil
}

// defaultMaxTokens is sentence-transformers' max_seq_length for
// all-MiniLM-L6-v2, used when the folder has no sentence_bert_config.json.
const defaultMaxTokens = 256

// readMaxSeqLength reads max_seq_length from sentence_bert_config.json (0
// when there is none).
func readMaxSeqLength(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "sentence_bert_config.json"))
	if err != nil {
		return 0
	}
	var c struct {
		MaxSeqLength int `json:"max_seq_length"`
	}
	if json.Unmarshal(b, &c) != nil {
		return 0
	}
	return c.MaxSeqLength
}

// readMaxPositions reads max_position_embeddings from config.json (0 when
// there is none).
func readMaxPositions(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return 0
	}
	var c struct {
		MaxPositions int `json:"max_position_embeddings"`
	}
	if json.Unmarshal(b, &c) != nil {
		return 0
	}
	return c.MaxPositions
}
