package chain

import "github.com/rootwatch/rootwatch/internal/rules"

// alertRule is one rule of the rule pack as the chain deploys it.
type alertRule struct {
	ID, Title string
	Pattern   string // deployed byte for byte
	Paths     map[string]string
	Template  string
}

// rulePack and forwardPattern are the only places the chain reads the rule
// pack, so deploy, status, test and the local pattern engine use the same bytes: each
// pattern is deployed exactly as internal/rules holds it.
func rulePack() []alertRule {
	var out []alertRule
	for _, r := range rules.All() {
		out = append(out, alertRule{ID: r.ID, Title: r.Title, Pattern: r.Pattern, Paths: r.Message.Paths, Template: r.Message.Template})
	}
	return out
}

// forwardPattern is the pattern of every region's forwarding rule.
func forwardPattern() string { return rules.ForwardPattern() }
