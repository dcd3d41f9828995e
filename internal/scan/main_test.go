package scan

import (
	"os"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awstest"
)

func TestMain(m *testing.M) {
	code := awstest.Main(m)
	removeBenchArchive()
	os.Exit(code)
}
