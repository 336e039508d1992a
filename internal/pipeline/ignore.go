package pipeline

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Ignore applies .dvcignore files (gitignore syntax: globs, "**", "!"
// negation, "/"-anchored and dir-only patterns) found in the repository
// root and in any directory on the way to a path. A nil *Ignore ignores
// nothing. It is safe for concurrent use.
type Ignore struct {
	root  string
	mu    sync.Mutex
	files map[string][]ignoreRule // dir -> rules of its .dvcignore (nil: none)
	any   map[string]bool         // dir -> some .dvcignore applies below root..dir
}

type ignoreRule struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// NewIgnore returns the .dvcignore matcher for the repository at root.
func NewIgnore(root string) *Ignore {
	return &Ignore{root: filepath.Clean(root), files: map[string][]ignoreRule{}, any: map[string]bool{}}
}

// Match reports whether the absolute path is ignored. Only the path itself
// is tested: walkers skip ignored directories, so their contents never
// reach Match.
func (ig *Ignore) Match(abs string, isDir bool) bool {
	if ig == nil {
		return false
	}
	if !ig.anyRules(filepath.Dir(abs)) {
		return false // the common case: no .dvcignore on the way
	}
	rel, err := filepath.Rel(ig.root, abs)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	rel = filepath.ToSlash(rel)
	ignored := false
	// .dvcignore files from the root down to the path's parent; later
	// (deeper) files and later lines win.
	dir := ig.root
	parts := strings.Split(rel, "/")
	for i := 0; i < len(parts); i++ {
		sub := strings.Join(parts[i:], "/")
		for _, r := range ig.rules(dir) {
			if r.dirOnly && !isDir {
				continue
			}
			if r.re.MatchString(sub) {
				ignored = !r.negate
			}
		}
		dir = filepath.Join(dir, parts[i])
	}
	return ignored
}

// anyRules reports whether dir or one of its ancestors up to the root has
// .dvcignore rules.
func (ig *Ignore) anyRules(dir string) bool {
	ig.mu.Lock()
	v, ok := ig.any[dir]
	ig.mu.Unlock()
	if ok {
		return v
	}
	if !pathWithin(dir, ig.root) {
		return false
	}
	v = len(ig.rules(dir)) > 0
	if !v && dir != ig.root {
		v = ig.anyRules(filepath.Dir(dir))
	}
	ig.mu.Lock()
	ig.any[dir] = v
	ig.mu.Unlock()
	return v
}

func (ig *Ignore) rules(dir string) []ignoreRule {
	ig.mu.Lock()
	defer ig.mu.Unlock()
	if r, ok := ig.files[dir]; ok {
		return r
	}
	data, err := os.ReadFile(filepath.Join(dir, ".dvcignore"))
	var rules []ignoreRule
	if err == nil {
		rules = parseIgnore(string(data))
	}
	ig.files[dir] = rules
	return rules
}

// parseIgnore compiles gitignore-style lines.
func parseIgnore(text string) []ignoreRule {
	var out []ignoreRule
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r ignoreRule
		if strings.HasPrefix(line, "!") {
			r.negate = true
			line = line[1:]
		} else if strings.HasPrefix(line, `\`) {
			line = line[1:]
		}
		if strings.HasSuffix(line, "/") {
			r.dirOnly = true
			line = strings.TrimSuffix(line, "/")
		}
		if line == "" {
			continue
		}
		anchored := strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		pat := globToRegexp(line)
		if anchored {
			pat = "^" + pat + "$"
		} else {
			pat = "^(?:.*/)?" + pat + "$"
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			continue
		}
		r.re = re
		out = append(out, r)
	}
	return out
}

// globToRegexp translates a gitignore glob ("**" spans directories).
func globToRegexp(g string) string {
	var b strings.Builder
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "/**") && i+3 == len(g):
			b.WriteString("/.*")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}
