package cli

import _ "embed"

// outputHelp is `rootwatch help output`: the --output json formats, for
// someone who has the binary only. output.md is also read in the source tree;
// TestOutputHelp keeps it in step with the golden JSON of every command.
//
//go:embed output.md
var outputHelp string
