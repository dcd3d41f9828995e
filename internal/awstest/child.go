package awstest

import (
	"os/exec"
	"runtime"
)

// child is a process the tests depend on (moto_server), started so that it
// does not outlive the test binary: on Linux the kernel kills it when the
// binary dies, even by SIGKILL or a timeout, and stop ends its whole process
// group (child_linux.go).
type child struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been waited for
}

// startChild starts cmd. The start happens on an OS thread of its own that is
// kept until the process exits: Linux's parent-death signal follows the thread
// that forked the child, not the process, and the Go runtime may end an idle
// thread only when a goroutine locked to it returns.
func startChild(cmd *exec.Cmd) (*child, error) {
	dieWithParent(cmd)
	c := &child{cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			runtime.UnlockOSThread()
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(c.exited)
		// Returning while locked ends the thread, which is what we want: the
		// child is gone.
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// pid is the child's process ID.
func (c *child) pid() int { return c.cmd.Process.Pid }

// stop kills the child (and, where the system has them, the processes it
// started) and waits for it.
func (c *child) stop() {
	killTree(c.cmd)
	<-c.exited
}
