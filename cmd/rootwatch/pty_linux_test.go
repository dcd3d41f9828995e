package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/term"
)

// ptyPrograms are the test binary's programs that need a pseudo-terminal
// (Linux): scripts check them under [linux].
var ptyPrograms = map[string]func(){"onpty": func() { os.Exit(onpty()) }}

// onpty is `onpty [-cols N] [-stdout] [-stderr] PROGRAM [ARGS...]`: it runs
// PROGRAM with its stdout and/or stderr on a pseudo-terminal of N columns
// (default 80), as on a user's terminal, and copies what the terminal shows,
// raw (\r and escape sequences included), to its own stdout with -stdout,
// else to its own stderr. A stream not on the terminal is onpty's own.
// (testscript's ttyin puts only stdin on a terminal.) The exit status is
// PROGRAM's.
func onpty() int {
	fs := flag.NewFlagSet("onpty", flag.ContinueOnError)
	cols := fs.Int("cols", 80, "the terminal's width")
	stdout := fs.Bool("stdout", false, "put PROGRAM's stdout on the terminal")
	stderr := fs.Bool("stderr", false, "put PROGRAM's stderr on the terminal")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() == 0 || !(*stdout || *stderr) {
		fmt.Fprintln(os.Stderr, "usage: onpty [-cols N] [-stdout] [-stderr] PROGRAM [ARGS...]")
		return 2
	}
	master, tty, err := openPTY(*cols)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onpty: %v\n", err)
		return 2
	}
	defer master.Close()
	// Raw: what PROGRAM writes reaches the copy unchanged (no \n → \r\n).
	if _, err := term.MakeRaw(int(tty.Fd())); err != nil {
		fmt.Fprintf(os.Stderr, "onpty: %v\n", err)
		return 2
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	shown := os.Stderr
	if *stdout {
		cmd.Stdout, shown = tty, os.Stdout
	}
	if *stderr {
		cmd.Stderr = tty
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "onpty: %v\n", err)
		return 2
	}
	tty.Close() // the copy ends when PROGRAM's ends are closed too
	copied := make(chan struct{})
	go func() {
		io.Copy(shown, master) // ends with EIO once the terminal is closed
		close(copied)
	}()
	err = cmd.Wait()
	<-copied
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "onpty: %v\n", err)
		return 2
	}
	return 0
}

// openPTY opens a pseudo-terminal pair of the given width.
func openPTY(cols int) (master, tty *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	var n uint32
	var unlock int32
	ws := struct{ rows, cols, x, y uint16 }{24, uint16(cols), 0, 0}
	switch {
	case ioctl(master.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)) != nil:
		err = errors.New("TIOCGPTN failed")
	case ioctl(master.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)) != nil:
		err = errors.New("TIOCSPTLCK failed")
	}
	if err == nil {
		tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err == nil && ioctl(tty.Fd(), syscall.TIOCSWINSZ, unsafe.Pointer(&ws)) != nil {
		err = errors.New("TIOCSWINSZ failed")
	}
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("open a pseudo-terminal: %w", err)
	}
	return master, tty, nil
}

func ioctl(fd, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}
