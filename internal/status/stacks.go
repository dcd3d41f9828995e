package status

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// StackRef is a CloudFormation stack that manages resources of the chain,
// known by the aws:cloudformation:stack-name tag CloudFormation puts on them.
type StackRef struct {
	Name   string `json:"name"`
	Region string `json:"region"`
}

// stackFix replaces the API deploy in a fix when CloudFormation manages the
// chain: the fix is a stack update, or the stack would undo it.
const stackFix = "'rootwatch deploy --via cloudformation' (a stack update: CloudFormation manages this chain, and would undo a change made around it)"

// stackSeen collects the stacks named by the tags of the resources checked.
type stackSeen struct {
	mu   sync.Mutex
	refs []StackRef
}

func (s *stackSeen) saw(region string, tags cloud.Tags) {
	name := tags[cloud.StackTag]
	if name == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := (StackRef{Name: name, Region: region}); !slices.Contains(s.refs, r) {
		s.refs = append(s.refs, r)
	}
}

// report names the stacks in rep and points its fixes at a stack update.
func (s *stackSeen) report(rep *Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refs) == 0 {
		return
	}
	rep.Stacks = slices.Clone(s.refs)
	slices.SortFunc(rep.Stacks, func(a, b StackRef) int {
		return strings.Compare(a.Region+"/"+a.Name, b.Region+"/"+b.Name)
	})
	for i := range rep.Checks {
		rep.Checks[i].Fix = strings.ReplaceAll(rep.Checks[i].Fix, "'rootwatch deploy'", stackFix)
	}
}

// stacksLine says which stacks manage the chain ("" when none).
func stacksLine(r Report) string {
	if len(r.Stacks) == 0 {
		return ""
	}
	var parts []string
	for _, s := range r.Stacks {
		parts = append(parts, fmt.Sprintf("%s in %s", s.Name, s.Region))
	}
	line := "managed by CloudFormation stacks: " + strings.Join(parts, ", ") + "; fix drift with a stack update ('rootwatch deploy --via cloudformation'), not 'rootwatch deploy'"
	return line
}
