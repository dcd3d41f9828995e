package cli

// answer is one way a question before a change goes: what stdin holds,
// whether it is a terminal and the flags given; and what must follow.
type answer struct {
	name     string
	stdin    string
	terminal bool
	args     []string
	code     int  // the exit code
	asked    bool // the question was printed
	applied  bool // the change was made
}

// answers are the ways every question rootwatch asks before a change must go
// (issue 13, convention 12): on a terminal, no and end of input refuse with
// nothing changed and yes goes on; --yes goes on without asking; --dry-run
// neither asks nor changes anything; without a terminal it goes on without
// asking.
var answers = []answer{
	{"terminal, no", "no\n", true, nil, ExitError, true, false},
	{"terminal, end of input", "", true, nil, ExitError, true, false},
	{"terminal, yes", "y\n", true, nil, ExitOK, true, true},
	{"terminal, --yes", "", true, []string{"--yes"}, ExitOK, false, true},
	{"terminal, --dry-run", "", true, []string{"--dry-run"}, ExitOK, false, false},
	{"no terminal", "", false, nil, ExitOK, false, true},
}
