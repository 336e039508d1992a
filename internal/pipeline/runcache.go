package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// runCacheValue is sha256(json.dumps(entry without size/nfiles, sort_keys=True)).
func runCacheValue(sl *StageLock) string {
	sum := sha256.Sum256([]byte(pyJSON(sl.toMap(false), true)))
	return hex.EncodeToString(sum[:])
}

// runCacheKey is the same hash with outs replaced by their paths.
func runCacheKey(sl *StageLock) string {
	m := sl.toMap(false)
	paths := make([]any, len(sl.Outs))
	for i, o := range sl.Outs {
		paths[i] = o.Path
	}
	m.Set("outs", paths)
	sum := sha256.Sum256([]byte(pyJSON(m, true)))
	return hex.EncodeToString(sum[:])
}

// canRunCache mirrors DVC's _can_hash: no run-cache for always_changed or
// callback stages, stages without deps or outs, or with persist outs.
func canRunCache(s *Stage) bool {
	if s.AlwaysChanged || s.IsCallback() || len(s.Deps)+len(s.Params) == 0 || len(s.Outs) == 0 {
		return false
	}
	for _, o := range s.Outs {
		if o.Persist {
			return false
		}
	}
	return true
}

func (c *Cache) runCacheDir(key string) string {
	return filepath.Join(c.Root, "runs", key[:2], key)
}

// SaveRun writes a run-cache entry (atomically) unless it exists.
func (c *Cache) SaveRun(sl *StageLock) error {
	key, value := runCacheKey(sl), runCacheValue(sl)
	dir := c.runCacheDir(key)
	path := filepath.Join(dir, value)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run-cache: %w", err)
	}
	return atomicWrite(path, marshalYAML(sl.toMap(true)))
}

// LoadRun returns the newest run-cache entry for the key of sl (whose outs
// may lack hashes), or nil.
func (c *Cache) LoadRun(sl *StageLock) (*StageLock, error) {
	dir := c.runCacheDir(runCacheKey(sl))
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	type cand struct {
		name string
		mt   int64
	}
	var cands []cand
	for _, e := range ents {
		if e.IsDir() || len(e.Name()) != 64 {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		cands = append(cands, cand{e.Name(), fi.ModTime().UnixNano()})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].mt > cands[j].mt })
	for _, cd := range cands {
		data, err := os.ReadFile(filepath.Join(dir, cd.name))
		if err != nil {
			continue
		}
		lf := &Lockfile{Stages: map[string]*StageLock{}}
		wrapped := append([]byte("stages:\n  x:\n"), indentYAML(data, "    ")...)
		if err := lf.parse(wrapped); err != nil {
			continue
		}
		if e := lf.Stages["x"]; e != nil && runCacheValue(e) == cd.name {
			return e, nil
		}
	}
	return nil, nil
}

func indentYAML(data []byte, ind string) []byte {
	var out []byte
	start := 0
	for i := 0; i <= len(data); i++ {
		if i == len(data) || data[i] == '\n' {
			line := data[start:i]
			if len(line) > 0 {
				out = append(out, ind...)
				out = append(out, line...)
			}
			out = append(out, '\n')
			start = i + 1
		}
	}
	return out
}
