package seqnn

import (
	"errors"
	"io/fs"

	"github.com/moviegenie/genie/internal/config"
)

// LoadConfig reads params.yaml's model_training.<defaults.Name> section
// from the YAML file at path over defaults (as twotower.LoadConfig does for
// model_training.two_tower). A missing file or section gives the defaults
// unchanged; an unknown section anywhere in the file (a misspelt sasrec or
// model_training), an unknown key in the section, a value of the wrong type
// and an out-of-range value are errors naming the file, the line and the
// key. A configuration read from the file is validated.
func LoadConfig(path string, defaults Config) (Config, error) {
	cfg := defaults
	f, err := config.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	if err := f.Decode(&cfg, "model_training", cfg.Name); err != nil {
		return defaults, err
	}
	if err := f.Locate(cfg.Validate()); err != nil {
		return cfg, err
	}
	return cfg, nil
}
