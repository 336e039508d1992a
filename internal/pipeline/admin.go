package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ConfigGet returns a config value (config.local overrides config).
func ConfigGet(root, key string) (string, error) {
	sec, name, err := SplitConfigKey(key)
	if err != nil {
		return "", err
	}
	cfg, err := LoadConfig(root)
	if err != nil {
		return "", err
	}
	v, ok := cfg.Get(sec, name)
	if !ok {
		return "", fmt.Errorf("config option '%s' is not set", key)
	}
	return v, nil
}

// ConfigSet writes key = value to .dvc/config (or .dvc/config.local).
func ConfigSet(root, key, value string, localFile bool) error {
	sec, name, err := SplitConfigKey(key)
	if err != nil {
		return err
	}
	if err := ValidateConfigKey(sec, name, value); err != nil {
		return err
	}
	file := "config"
	if localFile {
		file = "config.local"
	}
	path := filepath.Join(root, ".dvc", file)
	cfg, err := LoadConfigFile(path)
	if err != nil {
		return err
	}
	cfg.Set(sec, name, value)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return atomicWrite(path, cfg.Bytes())
}

// ConfigUnset removes key from .dvc/config.
func ConfigUnset(root, key string) error {
	sec, name, err := SplitConfigKey(key)
	if err != nil {
		return err
	}
	path := filepath.Join(root, ".dvc", "config")
	cfg, err := LoadConfigFile(path)
	if err != nil {
		return err
	}
	cfg.Unset(sec, name)
	return atomicWrite(path, cfg.Bytes())
}

// configPath turns a local path given relative to cwd ("": as it is)
// into one relative to .dvc/, where .dvc/config's paths are read from.
func configPath(root, cwd, p string) string {
	if filepath.IsAbs(p) || cwd == "" {
		return p
	}
	// Both resolved, so a link on either path does not leak into the result.
	if real, err := realDir(cwd); err == nil {
		cwd = real
	}
	if real, err := realDir(root); err == nil {
		root = real
	}
	rel, err := filepath.Rel(filepath.Join(root, ".dvc"), filepath.Join(cwd, p))
	if err != nil {
		return p
	}
	return filepath.ToSlash(rel)
}

// SetCacheDir sets cache.dir to dir, given relative to cwd (like `dvc
// cache dir`), and stored relative to .dvc/.
func SetCacheDir(root, cwd, dir string) error {
	return ConfigSet(root, "cache.dir", configPath(root, cwd, dir), false)
}

// RemoteAdd configures a remote; def also makes it core.remote. A relative
// local path is taken relative to cwd and stored relative to .dvc/, as DVC
// does.
func RemoteAdd(root, cwd, name, url string, def, force bool) error {
	if !strings.Contains(url, "://") {
		url = configPath(root, cwd, url)
	}
	path := filepath.Join(root, ".dvc", "config")
	cfg, err := LoadConfigFile(path)
	if err != nil {
		return err
	}
	sec := fmt.Sprintf("remote \"%s\"", name)
	if _, ok := cfg.Get(sec, "url"); ok && !force {
		return fmt.Errorf("remote '%s' already exists (use -f to overwrite)", name)
	}
	cfg.Set(sec, "url", url)
	if def {
		cfg.Set("core", "remote", name)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return atomicWrite(path, cfg.Bytes())
}

// Init creates .dvc/ with an empty config and .gitignore, like `dvc init`.
func Init(root string) error {
	d := filepath.Join(root, ".dvc")
	if err := os.MkdirAll(filepath.Join(d, "tmp"), 0o755); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := os.Stat(filepath.Join(d, "config")); os.IsNotExist(err) {
		if err := os.WriteFile(filepath.Join(d, "config"), nil, 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	gi := filepath.Join(d, ".gitignore")
	if _, err := os.Stat(gi); os.IsNotExist(err) {
		if err := os.WriteFile(gi, []byte("/config.local\n/tmp\n/cache\n"), 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	return nil
}
