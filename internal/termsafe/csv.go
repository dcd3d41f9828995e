package termsafe

import "strings"

// CSVCell returns Cell(s), made safe for a spreadsheet as well: a cell that
// would begin with = + - @ (or a tab or carriage return, which Cell escapes
// anyway) is prefixed with a single quote, so that a spreadsheet opening the
// file shows the text and never evaluates it as a formula (OWASP's guidance on
// CSV injection). A CloudTrail archive may hold such values: whoever can write
// to the bucket, or name a resource, chooses them.
func CSVCell(s string) string {
	c := Cell(s)
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}

// CSVCells returns CSVCell of each of ss, in a new slice.
func CSVCells(ss ...string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = CSVCell(s)
	}
	return out
}
