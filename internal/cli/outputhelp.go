package cli

// outputHelp is `rootwatch help output`: the --output json formats, for
// someone who has the binary only.
const outputHelp = `TODO
`
