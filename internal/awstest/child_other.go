//go:build !linux

package awstest

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal. A
// test binary killed from outside may leave moto_server running.
func dieWithParent(*exec.Cmd) {}

// killTree kills the child.
func killTree(cmd *exec.Cmd) { cmd.Process.Kill() }
