package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store"
)

// TwoTowerDir is the Two-Tower model's folder under Sources.ModelsDir
// (what genie train two-tower writes by default).
const TwoTowerDir = "two_tower"

// withTwoTower mixes the Two-Tower model of ModelsDir/two_tower into the
// engine as recommend.DefaultBlend says for the engine's sequential model
// (Blend.ForModel; docs/twotower.md, "Serving blend"). Without a model, or
// with one whose movies do not cover the engine's (trained on other data),
// it logs why and returns the engine as it is; a model that fails to load
// is an error, so a half-written model keeps the previous version serving
// until it is complete.
func withTwoTower(e *recommend.Engine, src Sources, log *slog.Logger) (*recommend.Engine, error) {
	dir := filepath.Join(src.ModelsDir, TwoTowerDir)
	if _, err := os.Stat(filepath.Join(dir, twotower.ConfigFile)); errors.Is(err, fs.ErrNotExist) {
		return e, nil
	}
	blend := recommend.DefaultBlend().ForModel(e.Model)
	if !blend.Blends() {
		log.Info("two-tower model not blended: the serving blend gives it no weight", "dir", dir)
		return e, nil
	}
	tt, err := twotower.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", TwoTowerDir, err)
	}
	version, err := fileVersion(filepath.Join(dir, twotower.WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", TwoTowerDir, err)
	}
	out, err := e.WithTwoTower(version, tt, blend)
	if err != nil {
		log.Warn("two-tower model not served: it does not match the ratings", "dir", dir, "err", err)
		return e, nil
	}
	log.Info("two-tower model blended", "dir", dir, "version", version, "blend", blend.String())
	return out, nil
}

// fileVersion is the first 12 hex digits of a file's SHA-256.
func fileVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// recommendUser is the user recommendFor asks the engine about: the
// demographics are read (one query) only for a user the Two-Tower model
// did not train on and whose list it takes part in; demo, when not nil,
// is used instead (a user being created).
func (s *Server) recommendUser(ctx context.Context, e *recommend.Engine, user int32, ids []int32, demo *twotower.Demographic) (recommend.User, error) {
	u := recommend.User{ID: user, History: ids}
	if demo != nil {
		u.Demographic = *demo
		return u, nil
	}
	if e.TwoTowerWeight(u) <= 0 || e.KnownToTwoTower(user) {
		return u, nil
	}
	p, err := timeDB(s, "profile", func() (store.Profile, error) { return s.store.UserProfile(ctx, user, 0) })
	if err != nil {
		return u, storeError(err, "user")
	}
	u.Demographic = twotower.Demographic{Age: p.User.Age, Gender: p.User.Gender, Occupation: p.User.Occupation}
	return u, nil
}
