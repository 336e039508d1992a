package twotower

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/nn"
)

// Files of a saved model inside its folder (models/two_tower by default).
const (
	WeightsFile        = "model.safetensors"
	ConfigFile         = "config.json"
	UserEmbeddingsFile = "user_embeddings.parquet"
	ItemEmbeddingsFile = "item_embeddings.parquet"
	HistoryFile        = "history.json"
	HistoryPlotFile    = "history.svg"
)

// contentTensor names the item content matrix stored with the weights.
const contentTensor = "item.content"

// savedConfig is config.json: everything besides the weights that is needed
// to rebuild the towers and encode a new user.
type savedConfig struct {
	Model     string `json:"model"`
	Config    Config `json:"config"`
	BestEpoch int    `json:"best_epoch"`
	// BestEpochs are each member's kept epoch, in an ensemble.
	BestEpochs   []int                 `json:"best_epochs,omitempty"`
	OutputDim    int                   `json:"output_dim"`
	FeatureDim   int                   `json:"feature_dim"`
	ContentDim   int                   `json:"content_dim"`
	UserIDs      []int64               `json:"user_ids"`
	ItemIDs      []int64               `json:"item_ids"`
	GenreNames   []string              `json:"genre_names"`
	ItemGenres   [][]int               `json:"item_genres"`
	Demographics features.Demographics `json:"demographics"`
	Activity     features.Standardizer `json:"activity"`
	UserDemo     []Demographic         `json:"user_demographics"`
	// TrainFingerprint is Fingerprint of the training data.
	TrainFingerprint string `json:"train_fingerprint,omitempty"`
}

// EmbeddingRow is one row of user_embeddings.parquet (ID is the user id)
// or item_embeddings.parquet (ID is the movie id).
type EmbeddingRow struct {
	ID        int64     `parquet:"id"`
	Embedding []float32 `parquet:"embedding,list"`
}

// Save writes the fitted model into dir, in this order: weights, config
// with the id vocabularies, the training history (JSON and an SVG plot),
// then user and item embeddings. Each file is replaced atomically with mode
// 0644, but not the set: a failure or crash part way leaves every file
// whole, those before it new and the rest from the previous save (if any).
// In particular new weights beside an old config make [Load] fail when the
// sizes differ, or load a mix when they agree; a failed Save must be
// repeated before the folder is used.
func (m *Model) Save(dir string) error {
	if len(m.nets) == 0 {
		return errors.New("two-tower: save: model not fitted")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("two-tower: save: %w", err)
	}
	var tensors []*nn.Tensor
	for _, n := range m.nets {
		tensors = append(tensors, n.params...)
	}
	n := m.nets[0]
	content := *n.content
	content.Name = contentTensor
	tensors = append(tensors, &content)
	if err := nn.SaveSafetensorsFile(filepath.Join(dir, WeightsFile), tensors, map[string]string{"model": Name}); err != nil {
		return fmt.Errorf("two-tower: save: %w", err)
	}
	sc := savedConfig{Model: Name, Config: m.cfg, BestEpoch: m.BestEpoch(), OutputDim: n.out, FeatureDim: n.featDim,
		ContentDim: n.contentDim, UserIDs: m.userIDs, ItemIDs: m.itemIDs, GenreNames: m.side.GenreNames,
		ItemGenres: m.itemGenres, Demographics: m.demo, Activity: m.activity, UserDemo: m.userDemo,
		TrainFingerprint: m.fingerprint}
	if len(m.nets) > 1 {
		sc.BestEpochs = m.bestEpochs
	}
	if err := writeJSON(filepath.Join(dir, ConfigFile), sc); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, HistoryFile), m.history); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, HistoryPlotFile), historySVG(m.history, m.bestEpochs)); err != nil {
		return err
	}
	out := m.dim()
	rows := func(ids []int64, emb []float32) []EmbeddingRow {
		r := make([]EmbeddingRow, len(ids))
		for i, id := range ids {
			r[i] = EmbeddingRow{ID: id, Embedding: emb[i*out : (i+1)*out]}
		}
		return r
	}
	if err := dataset.WriteParquet(filepath.Join(dir, UserEmbeddingsFile), rows(m.userIDs, m.userEmb)); err != nil {
		return fmt.Errorf("two-tower: save: %w", err)
	}
	if err := dataset.WriteParquet(filepath.Join(dir, ItemEmbeddingsFile), rows(m.itemIDs, m.itemEmb)); err != nil {
		return fmt.Errorf("two-tower: save: %w", err)
	}
	return nil
}

// Load reads a model written by Save, ready to serve (UserEmbedding,
// EmbedUser, Recommend, SimilarItems). Score works too, for dense users in
// the saved user order, always recomputing the embedding from the history
// it is given.
func Load(dir string) (*Model, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("two-tower: load: %w", err)
	}
	var sc savedConfig
	if err := json.Unmarshal(b, &sc); err != nil {
		return nil, fmt.Errorf("two-tower: load %s: %w", ConfigFile, err)
	}
	if sc.Model != Name {
		return nil, fmt.Errorf("two-tower: load %s: model %q, want %q", ConfigFile, sc.Model, Name)
	}
	if err := sc.Config.Validate(); err != nil {
		return nil, fmt.Errorf("two-tower: load %s: %w", ConfigFile, err)
	}
	ck, err := nn.LoadSafetensorsFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("two-tower: load: %w", err)
	}
	U, I := len(sc.UserIDs), len(sc.ItemIDs)
	members := sc.Config.members()
	ct, ok := ck.Tensors[contentTensor]
	if !ok || len(ct.Data) != I*sc.ContentDim {
		return nil, fmt.Errorf("two-tower: load: %s missing or of the wrong size", contentTensor)
	}
	content := nn.NewTensor(ct.Data, I, sc.ContentDim)
	nets := make([]*net, members)
	for k := range nets {
		n := newNet(sc.Config, memberPrefix(k, members), U, I, sc.FeatureDim, sc.ContentDim, rand.New(rand.NewPCG(0, 0)))
		if err := ck.Restore(n.params); err != nil {
			return nil, fmt.Errorf("two-tower: load: %w", err)
		}
		n.content = content
		nets[k] = n
	}
	bestEpochs := sc.BestEpochs
	if members == 1 {
		bestEpochs = []int{sc.BestEpoch}
	}
	if nets[0].out != sc.OutputDim || len(sc.ItemGenres) != I || len(sc.UserDemo) != U || len(bestEpochs) != members {
		return nil, fmt.Errorf("two-tower: load %s: inconsistent sizes", ConfigFile)
	}
	m := &Model{cfg: sc.Config, nets: nets, userIDs: sc.UserIDs, itemIDs: sc.ItemIDs, itemGenres: sc.ItemGenres,
		numGenres: len(sc.GenreNames), demo: sc.Demographics, activity: sc.Activity, userDemo: sc.UserDemo,
		bestEpochs: bestEpochs, fingerprint: sc.TrainFingerprint, side: savedSide(sc, content.Data)}
	m.userIndex = make(map[int64]int32, U)
	for i, id := range m.userIDs {
		m.userIndex[id] = int32(i)
	}
	m.itemIndex = make(map[int64]int32, I)
	for i, id := range m.itemIDs {
		m.itemIndex[id] = int32(i)
	}
	if m.featDim() != sc.FeatureDim {
		return nil, fmt.Errorf("two-tower: load %s: feature width %d, encoders give %d", ConfigFile, sc.FeatureDim, m.featDim())
	}
	m.computeItemEmb()
	users, err := dataset.ReadParquet[EmbeddingRow](filepath.Join(dir, UserEmbeddingsFile))
	if err != nil {
		return nil, fmt.Errorf("two-tower: load: %w", err)
	}
	if len(users) != U {
		return nil, fmt.Errorf("two-tower: load %s: %d users, want %d", UserEmbeddingsFile, len(users), U)
	}
	out := m.dim()
	m.userEmb = make([]float32, U*out)
	for i, r := range users {
		if r.ID != m.userIDs[i] || len(r.Embedding) != out {
			return nil, fmt.Errorf("two-tower: load %s: row %d does not match the config", UserEmbeddingsFile, i)
		}
		copy(m.userEmb[i*out:], r.Embedding)
	}
	if b, err := os.ReadFile(filepath.Join(dir, HistoryFile)); err == nil {
		json.Unmarshal(b, &m.history) // optional
	}
	return m, nil
}

// savedSide rebuilds the side information a saved model was fit with, for
// its own vocabularies: content vectors (views into content, [I, C]),
// genres and user demographics. It is what a refit of a loaded model uses.
func savedSide(sc savedConfig, content []float32) *SideInfo {
	s := &SideInfo{Content: make(map[int64][]float32, len(sc.ItemIDs)), ContentDim: sc.ContentDim,
		Genres: make(map[int64][]int, len(sc.ItemIDs)), GenreNames: sc.GenreNames,
		Demographics: sc.Demographics, Users: make(map[int64]Demographic, len(sc.UserIDs))}
	C := sc.ContentDim
	for i, id := range sc.ItemIDs {
		if C > 0 {
			s.Content[id] = content[i*C : (i+1)*C : (i+1)*C]
		}
		if g := sc.ItemGenres[i]; len(g) > 0 {
			s.Genres[id] = g
		}
	}
	for i, id := range sc.UserIDs {
		s.Users[id] = sc.UserDemo[i]
	}
	return s
}

// writeJSON writes v, indented, to path like [writeFile].
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("two-tower: save %s: %w", filepath.Base(path), err)
	}
	return writeFile(path, append(b, '\n'))
}

// writeFile writes b to path atomically with mode 0644 (see
// [atomicfile.Write]): on failure path is left as it was and no temporary
// file remains, and concurrent writers of one path each write whole.
func writeFile(path string, b []byte) error {
	if err := atomicfile.Write(path, b); err != nil {
		return fmt.Errorf("two-tower: save: %w", err)
	}
	return nil
}
