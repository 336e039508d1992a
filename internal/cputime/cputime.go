// Package cputime reports the CPU time the process has used, a steadier
// measure of training cost than wall time on a shared machine.
package cputime

import "syscall"

// Seconds returns the user and system CPU time of the process so far, in
// seconds (0 when the system does not say).
func Seconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
