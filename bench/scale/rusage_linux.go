package main

import (
	"os"
	"syscall"
	"time"
)

// usage returns the user and system CPU time and the peak resident set size
// (bytes) of a finished child process: the wait4 rusage that GNU time -v
// reports as "User time", "System time" and "Maximum resident set size".
func usage(ps *os.ProcessState) (user, sys time.Duration, maxRSS int64, ok bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime(), ps.SystemTime(), 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), ru.Maxrss * 1024, true
}
