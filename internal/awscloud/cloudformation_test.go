package awscloud_test

import (
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

// TestStacksConformance runs the Stacks suite the fake passes against moto.
func TestStacksConformance(t *testing.T) {
	cloudtest.RunStacks(t, func(t *testing.T) cloud.StackAccount { return open(t).(cloud.StackAccount) })
}
