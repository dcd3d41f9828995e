//go:build linux

package awstest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel send SIGKILL to the child when the test
// binary dies, however it dies, and puts the child in a process group of its
// own so that stop can end whatever it started too.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killTree kills the child's process group (the child leads it).
func killTree(cmd *exec.Cmd) {
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		cmd.Process.Kill()
	}
}
