package rules

import (
	"fmt"

	"github.com/rootwatch/rootwatch/internal/transform"
)

// Render returns what EventBridge's input transformer delivers to the rule's
// target for event, which is what an e-mail subscriber of the SNS topic reads.
// The pack's templates are string templates (a quoted JSON string): values go
// in as text, unescaped as EventBridge inserts them, a missing path as "", and
// the surrounding double quotes stay, as SNS delivers them. Package transform
// holds the semantics; the in-memory fake delivers with the same code.
func Render(r Rule, event []byte) (string, error) {
	out, err := transform.Apply(r.Message.Paths, r.Message.Template, event, transform.Vars{})
	if err != nil {
		return "", fmt.Errorf("render %s: %w", r.ID, err)
	}
	return out, nil
}
