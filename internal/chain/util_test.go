package chain

import (
	"encoding/json"
	"strconv"

	"github.com/rootwatch/rootwatch/internal/policy"
)

// KeyStatementDocument is a key policy holding only KeyStatement.
func KeyStatementDocument() string {
	return policy.Document{Version: policy.Version, Statement: policy.Statements{KeyStatement("arn:aws:sns:us-east-1:123456789012:rootwatch-alerts", "123456789012")}}.String()
}

func mustString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
