package pipeline

// Progress receives progress reports; implementations must be safe for
// concurrent use. The command layer installs a terminal display only when
// stderr is a TTY.
type Progress interface {
	// Add reports n more bytes hashed.
	Add(n int64)
	// Stage reports that a stage started (running) or finished.
	Stage(name string, running bool)
}
