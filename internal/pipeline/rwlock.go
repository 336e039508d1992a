package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// RepoLock is the exclusive repository lock (.dvc/tmp/lock, flock-based
// like DVC's zc.lockfile). The kernel releases it when the process dies.
type RepoLock struct {
	f *os.File
}

// ErrLocked is returned when another process holds the repository lock.
var ErrLocked = errors.New("unable to acquire lock: most likely another DVC or genie process is running in this repository")

// repoLockPath is the repository lock file of root.
func repoLockPath(root string) string { return filepath.Join(root, ".dvc", "tmp", "lock") }

// AcquireRepoLock takes .dvc/tmp/lock, retrying until wait elapses.
func AcquireRepoLock(ctx context.Context, root string, wait time.Duration) (*RepoLock, error) {
	path := repoLockPath(root)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("repo lock: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("repo lock: open %s: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("repo lock: flock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, ErrLocked
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf(" %d\n", os.Getpid())), 0)
	return &RepoLock{f: f}, nil
}

// RepoBusy reports whether another process holds the repository lock of
// root — a genie or DVC command (repro, commit) is writing the pipeline's
// outputs. It takes the lock shared for an instant and drops it again; the
// commands that take it exclusively retry for seconds, so the probe never
// makes one of them fail. A repository without a lock file is not busy.
func RepoBusy(root string) (bool, error) {
	path := repoLockPath(root)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("repo lock: %w", err)
	}
	defer f.Close()
	switch err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); {
	case errors.Is(err, unix.EWOULDBLOCK):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("repo lock: flock %s: %w", path, err)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false, nil
}

// Release drops the lock.
func (l *RepoLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}

// rwlockInfo is one holder in DVC's .dvc/tmp/rwlock JSON.
type rwlockInfo struct {
	PID int    `json:"pid"`
	Cmd string `json:"cmd"`
}

type rwlockData struct {
	Read  map[string][]rwlockInfo `json:"read"`
	Write map[string]rwlockInfo   `json:"write"`
}

// rwlockEdit runs fn on DVC's rwlock file under its own flock
// (.dvc/tmp/rwlock.lock), dropping entries of dead processes.
func rwlockEdit(root string, fn func(d *rwlockData) error) error {
	dir := filepath.Join(root, ".dvc", "tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rwlock: %w", err)
	}
	lf, err := os.OpenFile(filepath.Join(dir, "rwlock.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("rwlock: %w", err)
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("rwlock: flock: %w", err)
	}
	defer unix.Flock(int(lf.Fd()), unix.LOCK_UN)
	path := filepath.Join(dir, "rwlock")
	d := rwlockData{Read: map[string][]rwlockInfo{}, Write: map[string]rwlockInfo{}}
	if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
		if err := json.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("rwlock: %s is corrupted: %w", path, err)
		}
		if d.Read == nil {
			d.Read = map[string][]rwlockInfo{}
		}
		if d.Write == nil {
			d.Write = map[string]rwlockInfo{}
		}
	}
	for p, w := range d.Write {
		if !pidAlive(w.PID) {
			delete(d.Write, p)
		}
	}
	for p, rs := range d.Read {
		var keep []rwlockInfo
		for _, x := range rs {
			if pidAlive(x.PID) {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			delete(d.Read, p)
		} else {
			d.Read[p] = keep
		}
	}
	if err := fn(&d); err != nil {
		return err
	}
	// like DVC, drop empty sections
	out := map[string]any{}
	if len(d.Read) > 0 {
		out["read"] = d.Read
	}
	if len(d.Write) > 0 {
		out["write"] = d.Write
	}
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("rwlock: %w", err)
	}
	return atomicWrite(path, data)
}

func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func overlaps(a, b string) bool {
	a, b = strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/")
	return a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
}

// rwlockAcquire records reads (deps) and writes (outs) for a running stage,
// failing if another live process writes or reads what we touch.
func rwlockAcquire(root, cmd string, reads, writes []string) error {
	pid := os.Getpid()
	return rwlockEdit(root, func(d *rwlockData) error {
		for p, w := range d.Write {
			if w.PID == pid {
				continue
			}
			for _, x := range append(append([]string{}, reads...), writes...) {
				if overlaps(p, x) {
					return fmt.Errorf("'%s' is busy, it is being blocked by: (PID %d): %s", x, w.PID, w.Cmd)
				}
			}
		}
		for p, rs := range d.Read {
			for _, r := range rs {
				if r.PID == pid {
					continue
				}
				for _, x := range writes {
					if overlaps(p, x) {
						return fmt.Errorf("'%s' is busy, it is being blocked by: (PID %d): %s", x, r.PID, r.Cmd)
					}
				}
			}
		}
		info := rwlockInfo{PID: pid, Cmd: cmd}
		for _, x := range writes {
			d.Write[x] = info
		}
		for _, x := range reads {
			d.Read[x] = append(d.Read[x], info)
		}
		return nil
	})
}

// rwlockRelease removes this process's entries for the given paths.
func rwlockRelease(root string, reads, writes []string) error {
	pid := os.Getpid()
	return rwlockEdit(root, func(d *rwlockData) error {
		for _, x := range writes {
			if w, ok := d.Write[x]; ok && w.PID == pid {
				delete(d.Write, x)
			}
		}
		for _, x := range reads {
			var keep []rwlockInfo
			removed := false
			for _, r := range d.Read[x] {
				if r.PID == pid && !removed {
					removed = true
					continue
				}
				keep = append(keep, r)
			}
			if len(keep) == 0 {
				delete(d.Read, x)
			} else {
				d.Read[x] = keep
			}
		}
		return nil
	})
}
