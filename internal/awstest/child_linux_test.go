//go:build linux

package awstest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const orphanHelperEnv = "ROOTWATCH_AWSTEST_ORPHAN_HELPER"

// TestMotoDiesWithTheTestBinary: a test binary killed from outside (SIGKILL,
// as go test's -timeout or an impatient user does) leaves no moto_server
// behind, nor anything it started.
func TestMotoDiesWithTheTestBinary(t *testing.T) {
	if tg := Endpoint(t); tg.Kind != Moto {
		t.Skipf("endpoint is %s; only a moto this package starts is checked", tg.Kind)
	}
	// The helper is this test binary: its TestMain starts a moto of its own,
	// and TestOrphanHelper tells us its process ID, then waits.
	helper := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$", "-test.count=1")
	helper.Env = append(os.Environ(), orphanHelperEnv+"=1")
	for _, k := range []string{"ROOTWATCH_TEST_ENDPOINT", "AWS_ENDPOINT_URL"} {
		helper.Env = append(helper.Env, k+"=")
	}
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()

	var pid int
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(90 * time.Second)
	for pid == 0 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the helper ended without saying which moto it started")
			}
			if _, err := fmt.Sscanf(line, "moto %d", &pid); err != nil {
				pid = 0
			}
		case <-deadline:
			t.Fatal("the helper did not start moto within 90s")
		}
	}
	go func() {
		for range lines {
		}
	}()
	if !alive(pid) {
		t.Fatalf("moto (pid %d) is not running before the helper is killed", pid)
	}
	defer func() {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL) // leave no orphan of our own
		}
	}()

	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	helper.Wait()

	// The kernel delivers the parent-death signal at once; give a loaded
	// machine time to schedule the kill, but no more.
	for wait := time.Now().Add(20 * time.Second); alive(pid) && time.Now().Before(wait); {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Fatalf("moto_server (pid %d) outlived the test binary that started it", pid)
	}
	// Nothing it started lives on either (its port is then free: whether
	// the port answers cannot tell, as another test's moto may take it).
	if left := group(pid); len(left) > 0 {
		t.Errorf("processes of moto's process group outlived it: %v", left)
	}
}

// TestOrphanHelper is the helper process of TestMotoDiesWithTheTestBinary; it
// does nothing in a normal run.
func TestOrphanHelper(t *testing.T) {
	if os.Getenv(orphanHelperEnv) == "" {
		t.Skip("helper process of TestMotoDiesWithTheTestBinary")
	}
	if motoPID == 0 {
		t.Fatalf("no moto started: %s", unavailable)
	}
	fmt.Printf("moto %d\n", motoPID)
	time.Sleep(10 * time.Minute) // until killed
}

// group lists the live processes of process group pgid.
func group(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) STATE PPID PGRP ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) >= 3 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether process pid exists and is not a zombie (a dead
// process whose new parent has not reaped it yet).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// pid (comm) STATE ...: comm may hold spaces and parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
