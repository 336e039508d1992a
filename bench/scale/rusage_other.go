//go:build !linux

package main

import (
	"os"
	"time"
)

// usage gives CPU times only: peak RSS is read from Linux's rusage.
func usage(ps *os.ProcessState) (user, sys time.Duration, maxRSS int64, ok bool) {
	return ps.UserTime(), ps.SystemTime(), 0, false
}
