package seqnn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"
)

// LoadConfig reads params.yaml's model_training.<defaults.Name> section
// from the YAML file at path over defaults (as twotower.LoadConfig does for
// model_training.two_tower). A missing file or section gives the defaults
// unchanged; unknown keys in the section are errors, and a configuration
// read from the file is validated.
func LoadConfig(path string, defaults Config) (Config, error) {
	cfg := defaults
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("params: %w", err)
	}
	var doc struct {
		ModelTraining map[string]yaml.Node `yaml:"model_training"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return cfg, fmt.Errorf("params %s: %w", path, err)
	}
	node, ok := doc.ModelTraining[cfg.Name]
	if !ok {
		return cfg, nil
	}
	sec, err := yaml.Marshal(&node)
	if err != nil {
		return cfg, fmt.Errorf("params %s: model_training.%s: %w", path, cfg.Name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(sec))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("params %s: model_training.%s: %w", path, cfg.Name, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("params %s: %w", path, err)
	}
	return cfg, nil
}
