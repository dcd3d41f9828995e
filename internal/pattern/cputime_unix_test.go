//go:build unix

package pattern_test

import "syscall"

// cpuSeconds returns the CPU time the process has used. Benchmarks report
// events per CPU-second beside events per wall-second because the machines
// they run on are often shared.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
