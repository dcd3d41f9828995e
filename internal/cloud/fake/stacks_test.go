package fake_test

import (
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

func TestStacksConformance(t *testing.T) {
	cloudtest.RunStacks(t, func(t *testing.T) cloud.StackAccount { return fake.New() })
}
