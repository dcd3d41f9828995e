package scan

import (
	"os"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awstest"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }
