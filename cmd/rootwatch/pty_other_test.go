//go:build !linux

package main

// ptyPrograms is empty where the test binary opens no pseudo-terminal; the
// scripts that use onpty are skipped there ([!linux]).
var ptyPrograms = map[string]func(){}
