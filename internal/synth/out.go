package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// checkOut reports why Generate must not replace out, or nil when it may:
// out does not exist, is an empty folder, holds only Generate's own earlier
// output (every entry a file some layout writes, and a README that starts
// with readmeMarker), or force is set. Out is never allowed to be the working
// directory or one of its parents, force or not: renaming it away would pull
// the folder out from under the process and its caller.
func checkOut(out, format string, force bool) error {
	hasCwd, err := containsCwd(out)
	if err != nil {
		return err
	}
	if hasCwd {
		return fmt.Errorf("--out %s is the current folder or one of its parents: synth replaces its output folder as a whole, "+
			"so give it a folder of its own, e.g. --out %s", out, filepath.Join("data", "raw", "synth-"+format))
	}
	fi, err := os.Lstat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out: %w", err)
	case force:
		return nil
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("--out %s is a symbolic link; pass --force to replace the link, or choose another --out", out)
	case !fi.IsDir():
		return fmt.Errorf("--out %s exists and is not a folder; pass --force to replace it, or choose another --out", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	foreign := foreignEntries(entries)
	if len(foreign) == 0 && hasSynthReadme(out, entries) {
		return nil
	}
	what := "is not empty and was not written by genie data synth (it holds " + listNames(entries) + ")"
	if len(foreign) > 0 && hasSynthReadme(out, entries) {
		what = "holds files genie data synth did not write (" + listNames(foreign) + ")"
	}
	return fmt.Errorf("--out %s %s; pass --force to replace it and everything in it, or choose another --out", out, what)
}

// containsCwd reports whether out is the working directory or one of its
// parents, comparing both the paths as given and with symlinks resolved.
func containsCwd(out string) (bool, error) {
	wd, err := os.Getwd()
	if err != nil {
		return false, fmt.Errorf("--out %s: working directory: %w", out, err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return false, fmt.Errorf("--out %s: %w", out, err)
	}
	if within(wd, abs) {
		return true, nil
	}
	realWd, err1 := filepath.EvalSymlinks(wd)
	realOut, err2 := filepath.EvalSymlinks(abs)
	return err1 == nil && err2 == nil && within(realWd, realOut), nil
}

// within reports whether path is dir or lies below it; both are absolute.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// foreignEntries returns the entries no layout of Generate writes: other
// names, and anything that is not a regular file.
func foreignEntries(entries []fs.DirEntry) []fs.DirEntry {
	var own []string
	for _, f := range Formats() {
		own = append(own, formatFiles(f)...)
	}
	var out []fs.DirEntry
	for _, e := range entries {
		if !e.Type().IsRegular() || !slices.Contains(own, e.Name()) {
			out = append(out, e)
		}
	}
	return out
}

// hasSynthReadme reports whether dir holds a README (or README.txt) whose
// first line is readmeMarker, as every README Generate writes does.
func hasSynthReadme(dir string, entries []fs.DirEntry) bool {
	for _, e := range entries {
		if (e.Name() != "README" && e.Name() != "README.txt") || !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		line, _ := bufio.NewReader(f).ReadString('\n')
		f.Close()
		if strings.TrimRight(line, "\r\n") == readmeMarker {
			return true
		}
	}
	return false
}

// listNames names up to four entries, folders with a trailing slash, and
// counts the rest.
func listNames(entries []fs.DirEntry) string {
	const show = 4
	var names []string
	for i, e := range entries {
		if i == show {
			names = append(names, fmt.Sprintf("and %d more", len(entries)-show))
			break
		}
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}
