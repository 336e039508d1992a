package pipeline

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Config is DVC's INI configuration (.dvc/config merged with
// .dvc/config.local), keeping section and key order for rewriting.
type Config struct {
	sections []*configSection
}

type configSection struct {
	name string // e.g. core, cache, remote "storage"
	keys []string
	vals map[string]string
}

// ParseConfig parses configobj-style INI text.
func ParseConfig(data []byte) (*Config, error) {
	c := &Config{}
	var cur *configSection
	s := bufio.NewScanner(strings.NewReader(string(data)))
	n := 0
	for s.Scan() {
		n++
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name := strings.TrimSpace(line[1 : len(line)-1])
			if len(name) >= 2 && (name[0] == '\'' || name[0] == '"') && name[len(name)-1] == name[0] {
				name = name[1 : len(name)-1]
			}
			cur = c.section(name, true)
			continue
		}
		i := strings.IndexByte(line, '=')
		if i < 0 || cur == nil {
			return nil, fmt.Errorf("config line %d: cannot parse %q", n, line)
		}
		k := strings.TrimSpace(line[:i])
		v := strings.TrimSpace(line[i+1:])
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		cur.set(k, v)
	}
	return c, s.Err()
}

func (c *Config) section(name string, create bool) *configSection {
	for _, s := range c.sections {
		if s.name == name {
			return s
		}
	}
	if !create {
		return nil
	}
	s := &configSection{name: name, vals: map[string]string{}}
	c.sections = append(c.sections, s)
	return s
}

func (s *configSection) set(k, v string) {
	if _, ok := s.vals[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.vals[k] = v
}

// Get returns section.key, e.g. Get("core", "remote").
func (c *Config) Get(section, key string) (string, bool) {
	s := c.section(section, false)
	if s == nil {
		return "", false
	}
	v, ok := s.vals[key]
	return v, ok
}

// Set stores section.key = value.
func (c *Config) Set(section, key, value string) { c.section(section, true).set(key, value) }

// Unset removes section.key.
func (c *Config) Unset(section, key string) {
	s := c.section(section, false)
	if s == nil {
		return
	}
	if _, ok := s.vals[key]; !ok {
		return
	}
	delete(s.vals, key)
	for i, k := range s.keys {
		if k == key {
			s.keys = append(s.keys[:i], s.keys[i+1:]...)
			break
		}
	}
}

// Section returns a copy of a section's key/values.
func (c *Config) Section(name string) map[string]string {
	out := map[string]string{}
	if s := c.section(name, false); s != nil {
		for k, v := range s.vals {
			out[k] = v
		}
	}
	return out
}

// Bytes renders the config the way DVC (configobj) writes it.
func (c *Config) Bytes() []byte {
	var b strings.Builder
	for _, s := range c.sections {
		if len(s.keys) == 0 {
			continue
		}
		if strings.ContainsAny(s.name, " \"") {
			fmt.Fprintf(&b, "['%s']\n", s.name)
		} else {
			fmt.Fprintf(&b, "[%s]\n", s.name)
		}
		for _, k := range s.keys {
			fmt.Fprintf(&b, "    %s = %s\n", k, s.vals[k])
		}
	}
	return []byte(b.String())
}

// merge overlays o onto c.
func (c *Config) merge(o *Config) {
	for _, s := range o.sections {
		for _, k := range s.keys {
			c.Set(s.name, k, s.vals[k])
		}
	}
}

// LoadConfigFile reads one config file (missing: empty).
func LoadConfigFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadConfig reads .dvc/config and overlays .dvc/config.local.
func LoadConfig(root string) (*Config, error) {
	c, err := LoadConfigFile(filepath.Join(root, ".dvc", "config"))
	if err != nil {
		return nil, err
	}
	l, err := LoadConfigFile(filepath.Join(root, ".dvc", "config.local"))
	if err != nil {
		return nil, err
	}
	c.merge(l)
	return c, nil
}

// SplitConfigKey splits "cache.type" into ("cache", "type") and
// "remote.storage.url" into (`remote "storage"`, "url").
func SplitConfigKey(key string) (section, name string, err error) {
	parts := strings.Split(key, ".")
	switch {
	case len(parts) == 2:
		return parts[0], parts[1], nil
	case len(parts) >= 3 && parts[0] == "remote":
		return fmt.Sprintf("remote \"%s\"", strings.Join(parts[1:len(parts)-1], ".")), parts[len(parts)-1], nil
	}
	return "", "", fmt.Errorf("invalid config key %q: want section.option (e.g. cache.type) or remote.NAME.option", key)
}

var knownConfigKeys = map[string]bool{
	"core.remote": true, "core.autostage": true, "core.no_scm": true, "core.hardlink_lock": true,
	"core.check_update": true, "core.analytics": true, "core.interactive": true, "core.site_cache_dir": true,
	"cache.type": true, "cache.dir": true, "cache.protected": true, "cache.shared": true, "cache.slow_link_warning": true,
}

// ValidateConfigKey rejects options DVC does not know.
func ValidateConfigKey(section, name, value string) error {
	if strings.HasPrefix(section, "remote \"") {
		return nil
	}
	if !knownConfigKeys[section+"."+name] {
		return fmt.Errorf("unknown config option '%s.%s'", section, name)
	}
	if section == "cache" && name == "type" && value != "" {
		for _, t := range strings.Split(value, ",") {
			switch strings.TrimSpace(t) {
			case "reflink", "hardlink", "symlink", "copy":
			default:
				return fmt.Errorf("cache.type: unknown link type %q (want reflink, hardlink, symlink or copy)", t)
			}
		}
	}
	return nil
}
